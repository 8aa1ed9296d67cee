#include "nvml/sim_gpu_backend.h"

#include <set>
#include <thread>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nvml/throttle_reasons.h"

namespace nvsx::nvml {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class FixedClock final : public core::Clock {
 public:
  absl::Time Now() const override { return absl::FromUnixSeconds(1700000000); }
};

class SimGpuBackendTest : public ::testing::Test {
 protected:
  SimGpuBackendOptions Options(int gpus = 4) {
    SimGpuBackendOptions options;
    options.node_name = "node-a";
    options.gpu_count = gpus;
    options.clock = &clock_;
    return options;
  }
  FixedClock clock_;
};

TEST_F(SimGpuBackendTest, EnumeratesGpusWithDeterministicDistinctUuids) {
  SimGpuBackend backend(Options(4));
  auto gpus = backend.Enumerate();
  ASSERT_TRUE(gpus.ok()) << gpus.status();
  ASSERT_EQ(gpus->size(), 4u);
  std::set<std::string> uuids;
  for (int i = 0; i < 4; ++i) {
    const GpuInfo& gpu = (*gpus)[i];
    EXPECT_EQ(gpu.index, i);
    EXPECT_THAT(gpu.uuid, MatchesRegex("GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                                       "[0-9a-f]{12}"));
    EXPECT_EQ(gpu.uuid, SimGpuUuid("node-a", i));
    EXPECT_EQ(gpu.model, "NVIDIA H100 80GB HBM3");
    EXPECT_EQ(gpu.memory_total_bytes, 80ull << 30);
    uuids.insert(gpu.uuid);
  }
  EXPECT_EQ(uuids.size(), 4u);
  EXPECT_EQ((*gpus)[3].pci_bus_id, "00000000:03:00.0");
}

TEST_F(SimGpuBackendTest, UuidsDependOnNodeNameAndAreStable) {
  EXPECT_EQ(SimGpuUuid("node-a", 0), SimGpuUuid("node-a", 0));
  EXPECT_NE(SimGpuUuid("node-a", 0), SimGpuUuid("node-b", 0));
  EXPECT_NE(SimGpuUuid("node-a", 0), SimGpuUuid("node-a", 1));
}

TEST_F(SimGpuBackendTest, FreshGpuIsHealthy) {
  SimGpuBackend backend(Options());
  auto sample = backend.Sample(2);
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->index, 2);
  EXPECT_TRUE(sample->responsive());
  EXPECT_EQ(sample->temperature_c, 35);
  ASSERT_TRUE(sample->ecc.has_value());
  EXPECT_EQ(sample->ecc->volatile_dbe, 0u);
  ASSERT_TRUE(sample->remapped_rows.has_value());
  EXPECT_FALSE(sample->remapped_rows->pending);
  EXPECT_EQ(sample->nvlink_up, std::vector<bool>(18, true));
  EXPECT_EQ(sample->throttle_reasons, 0u);
  ASSERT_TRUE(sample->pcie.has_value());
  EXPECT_EQ(sample->pcie->width, 16u);
  EXPECT_TRUE(sample->inforom_valid);
}

TEST_F(SimGpuBackendTest, UnknownIndexIsNotFound) {
  SimGpuBackend backend(Options(2));
  EXPECT_EQ(backend.Sample(2).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(backend.Sample(-1).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(backend.InjectXid(5, 79).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(backend.InjectFault(5, SimFault::kThermal).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(backend.Clear(5).code(), absl::StatusCode::kNotFound);
}

TEST_F(SimGpuBackendTest, WaitForXidTimesOutWithNothingInjected) {
  SimGpuBackend backend(Options());
  const absl::Time start = absl::Now();
  auto event = backend.WaitForXid(absl::Milliseconds(50));
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_FALSE(event->has_value());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(45));
}

TEST_F(SimGpuBackendTest, Xid79MakesGpuFallOffTheBusAndIsDelivered) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectXid(3, 79).ok());
  auto event = backend.WaitForXid(absl::ZeroDuration());
  ASSERT_TRUE(event.ok() && event->has_value());
  EXPECT_EQ((*event)->gpu_index, 3);
  EXPECT_EQ((*event)->xid, 79u);
  EXPECT_EQ((*event)->uuid, SimGpuUuid("node-a", 3));
  EXPECT_EQ((*event)->time, absl::FromUnixSeconds(1700000000));

  auto sample = backend.Sample(3);
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->unresponsive, Unresponsive::kFallenOffBus);
  EXPECT_FALSE(sample->temperature_c.has_value());
  EXPECT_FALSE(sample->ecc.has_value());
  EXPECT_TRUE(sample->nvlink_up.empty());
  // Other GPUs are untouched.
  EXPECT_TRUE(backend.Sample(2)->responsive());
}

TEST_F(SimGpuBackendTest, WaiterIsWokenByInjectionFromAnotherThread) {
  SimGpuBackend backend(Options());
  absl::StatusOr<std::optional<XidEvent>> event;
  const absl::Time start = absl::Now();
  std::thread waiter([&] { event = backend.WaitForXid(absl::Seconds(30)); });
  absl::SleepFor(absl::Milliseconds(20));
  ASSERT_TRUE(backend.InjectXid(1, 48).ok());
  waiter.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_TRUE(event.ok() && event->has_value());
  EXPECT_EQ((*event)->xid, 48u);
  EXPECT_EQ((*event)->gpu_index, 1);
}

TEST_F(SimGpuBackendTest, XidsAreDeliveredOnceInOrder) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectXid(0, 63).ok());
  ASSERT_TRUE(backend.InjectXid(1, 119).ok());
  ASSERT_TRUE(backend.InjectXid(0, 120).ok());
  std::vector<std::pair<int, uint32_t>> seen;
  while (true) {
    auto event = backend.WaitForXid(absl::ZeroDuration());
    ASSERT_TRUE(event.ok());
    if (!event->has_value()) break;
    seen.emplace_back((*event)->gpu_index, (*event)->xid);
  }
  EXPECT_EQ(seen, (std::vector<std::pair<int, uint32_t>>{{0, 63}, {1, 119}, {0, 120}}));
}

TEST_F(SimGpuBackendTest, EccXidsRaiseEccCountersAndRowRemapState) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectXid(0, 48).ok());
  ASSERT_TRUE(backend.InjectXid(0, 95).ok());
  ASSERT_TRUE(backend.InjectXid(1, 92).ok());
  ASSERT_TRUE(backend.InjectXid(2, 63).ok());
  ASSERT_TRUE(backend.InjectXid(3, 64).ok());
  EXPECT_EQ(backend.Sample(0)->ecc->volatile_dbe, 2u);
  EXPECT_EQ(backend.Sample(0)->ecc->aggregate_dbe, 2u);
  EXPECT_GT(backend.Sample(1)->ecc->volatile_sbe, 0u);
  EXPECT_EQ(backend.Sample(1)->ecc->volatile_dbe, 0u);
  EXPECT_TRUE(backend.Sample(2)->remapped_rows->pending);
  EXPECT_FALSE(backend.Sample(2)->remapped_rows->failure);
  EXPECT_TRUE(backend.Sample(3)->remapped_rows->failure);
}

TEST_F(SimGpuBackendTest, Xid74TakesNvlinkDown) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectXid(1, 74).ok());
  auto sample = backend.Sample(1);
  ASSERT_FALSE(sample->nvlink_up.empty());
  EXPECT_FALSE(sample->nvlink_up[0]);
  EXPECT_TRUE(sample->nvlink_up[1]);
}

TEST_F(SimGpuBackendTest, GspXidsAreReportedWithoutStateChange) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectXid(0, 119).ok());
  auto event = backend.WaitForXid(absl::ZeroDuration());
  ASSERT_TRUE(event.ok() && event->has_value());
  EXPECT_EQ((*event)->xid, 119u);
  EXPECT_TRUE(backend.Sample(0)->responsive());
}

TEST_F(SimGpuBackendTest, ThermalFaultSetsSlowdownAndTemperature) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectFault(0, SimFault::kThermal).ok());
  auto sample = backend.Sample(0);
  EXPECT_NE(sample->throttle_reasons & kThrottleHwThermalSlowdown, 0u);
  EXPECT_THAT(sample->throttle_names, Contains("HwThermalSlowdown"));
  EXPECT_GE(*sample->temperature_c, 90);
  // No XID for heat.
  EXPECT_FALSE(backend.WaitForXid(absl::ZeroDuration())->has_value());
}

TEST_F(SimGpuBackendTest, DriverHangMakesGpuUnresponsiveWithoutXid) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectFault(2, SimFault::kDriverHang).ok());
  EXPECT_EQ(backend.Sample(2)->unresponsive, Unresponsive::kDriverHang);
  EXPECT_FALSE(backend.WaitForXid(absl::ZeroDuration())->has_value());
}

TEST_F(SimGpuBackendTest, AResetHealsAndItsNextReadingSaysResetting) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectFault(1, SimFault::kEcc).ok());
  ASSERT_TRUE(backend.Reset(1).ok());
  EXPECT_EQ(backend.Sample(1)->unresponsive, Unresponsive::kResetting);
  auto after = backend.Sample(1);
  EXPECT_EQ(after->unresponsive, Unresponsive::kNo);
  EXPECT_EQ(after->ecc->volatile_dbe, 0u);
  EXPECT_EQ(backend.Reset(99).code(), absl::StatusCode::kNotFound);
}

TEST_F(SimGpuBackendTest, InforomFaultMarksInforomInvalid) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectFault(0, SimFault::kInforom).ok());
  EXPECT_FALSE(backend.Sample(0)->inforom_valid);
}

TEST_F(SimGpuBackendTest, EccAndNvlinkFaultsAlsoReportTheirXid) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectFault(0, SimFault::kEcc).ok());
  ASSERT_TRUE(backend.InjectFault(1, SimFault::kNvlink).ok());
  EXPECT_EQ((*backend.WaitForXid(absl::ZeroDuration()))->xid, 48u);
  EXPECT_EQ((*backend.WaitForXid(absl::ZeroDuration()))->xid, 74u);
  EXPECT_EQ(backend.Sample(0)->ecc->volatile_dbe, 1u);
  EXPECT_FALSE(backend.Sample(1)->nvlink_up[0]);
}

TEST_F(SimGpuBackendTest, ClearHealsAndDropsUndeliveredXidsOfThatGpuOnly) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectXid(0, 79).ok());
  ASSERT_TRUE(backend.InjectXid(1, 48).ok());
  ASSERT_TRUE(backend.InjectFault(0, SimFault::kThermal).ok());
  ASSERT_TRUE(backend.Clear(0).ok());
  auto sample = backend.Sample(0);
  EXPECT_TRUE(sample->responsive());
  EXPECT_EQ(sample->throttle_reasons, 0u);
  EXPECT_EQ(sample->temperature_c, 35);
  auto event = backend.WaitForXid(absl::ZeroDuration());
  ASSERT_TRUE(event->has_value());
  EXPECT_EQ((*event)->gpu_index, 1);
  EXPECT_FALSE(backend.WaitForXid(absl::ZeroDuration())->has_value());
}

TEST_F(SimGpuBackendTest, ClearKeepsAggregateEccButZeroesVolatile) {
  SimGpuBackend backend(Options());
  ASSERT_TRUE(backend.InjectXid(0, 48).ok());
  ASSERT_TRUE(backend.Clear(0).ok());
  auto sample = backend.Sample(0);
  EXPECT_EQ(sample->ecc->volatile_dbe, 0u);
  EXPECT_EQ(sample->ecc->aggregate_dbe, 1u);
}

TEST_F(SimGpuBackendTest, ConcurrentInjectionAndWaitingLosesNothing) {
  SimGpuBackend backend(Options());
  constexpr int kPerThread = 200;
  std::thread injectors[2];
  for (int t = 0; t < 2; ++t) {
    injectors[t] = std::thread([&, t] {
      for (int i = 0; i < kPerThread; ++i) ASSERT_TRUE(backend.InjectXid(t, 13).ok());
    });
  }
  int received = 0;
  while (received < 2 * kPerThread) {
    auto event = backend.WaitForXid(absl::Seconds(5));
    ASSERT_TRUE(event.ok() && event->has_value()) << "lost XIDs after " << received;
    ++received;
  }
  for (auto& thread : injectors) thread.join();
  EXPECT_FALSE(backend.WaitForXid(absl::ZeroDuration())->has_value());
}

TEST(SimFaultTest, ParsesTheCommandLineNames) {
  for (SimFault fault : {SimFault::kEcc, SimFault::kNvlink, SimFault::kThermal,
                         SimFault::kDriverHang, SimFault::kInforom}) {
    auto parsed = ParseSimFault(SimFaultName(fault));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, fault);
  }
  EXPECT_EQ(*ParseSimFault("driver-hang"), SimFault::kDriverHang);
  auto bad = ParseSimFault("fire");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("driver-hang"));
}

}  // namespace
}  // namespace nvsx::nvml
