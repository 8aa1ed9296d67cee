// Drives the real dlopen binding against tests/nvml/fake_nvml.cc, built as
// libnvidia-ml.so.1 in a directory of its own.

#include "nvml/nvml_backend.h"

#include <dlfcn.h>

#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nvml/throttle_reasons.h"

namespace nvsx::nvml {
namespace {

using ::testing::HasSubstr;

constexpr char kFakePath[] = NVSX_FAKE_NVML_DIR "/libnvidia-ml.so.1";

class FixedClock final : public core::Clock {
 public:
  absl::Time Now() const override { return absl::FromUnixSeconds(1700000000); }
};

// The fake's test controls, reached through the same loaded library the
// backend uses (dlopen of the same path returns the same object).
class NvmlBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    handle_ = dlopen(kFakePath, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    reset_ = Control<void (*)(unsigned)>("FakeNvmlReset");
    inject_xid_ = Control<void (*)(unsigned, unsigned long long)>("FakeNvmlInjectXid");
    set_lost_ = Control<void (*)(unsigned, int)>("FakeNvmlSetLost");
    set_hung_ = Control<void (*)(unsigned, int)>("FakeNvmlSetHung");
    set_memory_ =
        Control<void (*)(unsigned, unsigned long long, unsigned)>("FakeNvmlSetMemoryFaults");
    set_link_ = Control<void (*)(unsigned, unsigned, int)>("FakeNvmlSetLinkUp");
    set_throttle_ = Control<void (*)(unsigned, unsigned long long)>("FakeNvmlSetThrottle");
    set_inforom_ = Control<void (*)(unsigned, int)>("FakeNvmlSetInforomCorrupt");
    set_init_result_ = Control<void (*)(int)>("FakeNvmlSetInitResult");
    live_inits_ = Control<int (*)()>("FakeNvmlLiveInits");
    live_event_sets_ = Control<int (*)()>("FakeNvmlLiveEventSets");
    reset_(2);
  }
  void TearDown() override {
    if (handle_ != nullptr) dlclose(handle_);
  }

  template <typename Fn>
  Fn Control(const char* name) {
    void* symbol = dlsym(handle_, name);
    EXPECT_NE(symbol, nullptr) << name;
    return reinterpret_cast<Fn>(symbol);
  }

  std::unique_ptr<NvmlBackend> MakeBackend() {
    auto backend = NvmlBackend::Create({.library_path = kFakePath, .clock = &clock_});
    EXPECT_TRUE(backend.ok()) << backend.status();
    return backend.ok() ? *std::move(backend) : nullptr;
  }

  FixedClock clock_;
  void* handle_ = nullptr;
  void (*reset_)(unsigned) = nullptr;
  void (*inject_xid_)(unsigned, unsigned long long) = nullptr;
  void (*set_lost_)(unsigned, int) = nullptr;
  void (*set_hung_)(unsigned, int) = nullptr;
  void (*set_memory_)(unsigned, unsigned long long, unsigned) = nullptr;
  void (*set_link_)(unsigned, unsigned, int) = nullptr;
  void (*set_throttle_)(unsigned, unsigned long long) = nullptr;
  void (*set_inforom_)(unsigned, int) = nullptr;
  void (*set_init_result_)(int) = nullptr;
  int (*live_inits_)() = nullptr;
  int (*live_event_sets_)() = nullptr;
};

TEST_F(NvmlBackendTest, MissingLibraryIsFailedPreconditionNamingSimBackend) {
  auto backend =
      NvmlBackend::Create({.library_path = "/nonexistent/dir/libnvidia-ml.so.1", .clock = &clock_});
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(backend.status().message());
  EXPECT_THAT(message, HasSubstr("NVML was not found"));
  EXPECT_THAT(message, HasSubstr("/nonexistent/dir/libnvidia-ml.so.1"));
  EXPECT_THAT(message, HasSubstr("--backend sim"));
}

TEST_F(NvmlBackendTest, LibraryWithoutNvmlSymbolsIsRejected) {
  // libc is a loadable shared object without any NVML function.
  auto backend = NvmlBackend::Create({.library_path = "libc.so.6", .clock = &clock_});
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(backend.status().message()), HasSubstr("nvmlInit_v2"));
}

TEST_F(NvmlBackendTest, InitFailureIsReportedWithNvmlText) {
  set_init_result_(9);  // NVML_ERROR_DRIVER_NOT_LOADED
  auto backend = NvmlBackend::Create({.library_path = kFakePath, .clock = &clock_});
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(backend.status().message()), HasSubstr("Driver Not Loaded"));
  EXPECT_EQ(live_inits_(), 0);
}

TEST_F(NvmlBackendTest, EnumeratesGpusFromNvml) {
  auto backend = MakeBackend();
  ASSERT_NE(backend, nullptr);
  auto gpus = backend->Enumerate();
  ASSERT_TRUE(gpus.ok()) << gpus.status();
  ASSERT_EQ(gpus->size(), 2u);
  EXPECT_EQ((*gpus)[1].index, 1);
  EXPECT_EQ((*gpus)[1].uuid, "GPU-fa4e0000-0000-0000-0000-000000000001");
  EXPECT_EQ((*gpus)[1].model, "NVIDIA Fake H100");
  EXPECT_EQ((*gpus)[1].pci_bus_id, "00000000:19:00.0");
  EXPECT_EQ((*gpus)[1].memory_total_bytes, 80ull << 30);
}

TEST_F(NvmlBackendTest, DestructionFreesEventSetAndShutsNvmlDown) {
  {
    auto backend = MakeBackend();
    ASSERT_NE(backend, nullptr);
    EXPECT_EQ(live_inits_(), 1);
    EXPECT_EQ(live_event_sets_(), 1);
  }
  EXPECT_EQ(live_inits_(), 0);
  EXPECT_EQ(live_event_sets_(), 0);
}

TEST_F(NvmlBackendTest, SamplesEveryReading) {
  auto backend = MakeBackend();
  ASSERT_NE(backend, nullptr);
  set_memory_(1, 3, 1);
  set_link_(1, 2, 0);
  set_throttle_(1, kThrottleHwThermalSlowdown | kThrottleSwPowerCap);
  auto sample = backend->Sample(1);
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_TRUE(sample->responsive());
  EXPECT_EQ(sample->temperature_c, 41);
  ASSERT_TRUE(sample->ecc.has_value());
  EXPECT_EQ(sample->ecc->volatile_sbe, 7u);
  EXPECT_EQ(sample->ecc->volatile_dbe, 3u);
  EXPECT_EQ(sample->ecc->aggregate_sbe, 107u);
  EXPECT_EQ(sample->ecc->aggregate_dbe, 103u);
  ASSERT_TRUE(sample->remapped_rows.has_value());
  EXPECT_EQ(sample->remapped_rows->corrected, 2u);
  EXPECT_EQ(sample->remapped_rows->uncorrected, 1u);
  EXPECT_TRUE(sample->remapped_rows->pending);
  EXPECT_FALSE(sample->remapped_rows->failure);
  EXPECT_EQ(sample->nvlink_up, (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(sample->throttle_reasons, kThrottleHwThermalSlowdown | kThrottleSwPowerCap);
  EXPECT_EQ(sample->throttle_names, (std::vector<std::string>{"SwPowerCap", "HwThermalSlowdown"}));
  ASSERT_TRUE(sample->pcie.has_value());
  EXPECT_EQ(sample->pcie->generation, 5u);
  EXPECT_EQ(sample->pcie->width, 16u);
  EXPECT_TRUE(sample->inforom_valid);
}

TEST_F(NvmlBackendTest, CorruptInforomIsAFinding) {
  auto backend = MakeBackend();
  ASSERT_NE(backend, nullptr);
  set_inforom_(0, 1);
  auto sample = backend->Sample(0);
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_FALSE(sample->inforom_valid);
  EXPECT_TRUE(backend->Sample(1)->inforom_valid);
}

TEST_F(NvmlBackendTest, LostGpuIsFallenOffTheBus) {
  auto backend = MakeBackend();
  ASSERT_NE(backend, nullptr);
  set_lost_(0, 1);
  auto sample = backend->Sample(0);
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->unresponsive, Unresponsive::kFallenOffBus);
  EXPECT_THAT(sample->unresponsive_detail, HasSubstr("GPU is lost"));
  EXPECT_FALSE(sample->temperature_c.has_value());
  EXPECT_FALSE(sample->ecc.has_value());
  EXPECT_TRUE(backend->Sample(1)->responsive());
}

TEST_F(NvmlBackendTest, TimingOutGpuIsDriverHang) {
  auto backend = MakeBackend();
  ASSERT_NE(backend, nullptr);
  set_hung_(1, 1);
  auto sample = backend->Sample(1);
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->unresponsive, Unresponsive::kDriverHang);
}

TEST_F(NvmlBackendTest, UnknownIndexIsNotFound) {
  auto backend = MakeBackend();
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->Sample(2).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(NvmlBackendTest, WaitForXidTimesOut) {
  auto backend = MakeBackend();
  ASSERT_NE(backend, nullptr);
  auto event = backend->WaitForXid(absl::Milliseconds(30));
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_FALSE(event->has_value());
}

TEST_F(NvmlBackendTest, InjectedXidIsDeliveredWithGpuIdentity) {
  auto backend = MakeBackend();
  ASSERT_NE(backend, nullptr);
  absl::StatusOr<std::optional<XidEvent>> event;
  std::thread waiter([&] { event = backend->WaitForXid(absl::Seconds(30)); });
  absl::SleepFor(absl::Milliseconds(20));
  inject_xid_(1, 79);
  waiter.join();
  ASSERT_TRUE(event.ok()) << event.status();
  ASSERT_TRUE(event->has_value());
  EXPECT_EQ((*event)->gpu_index, 1);
  EXPECT_EQ((*event)->xid, 79u);
  EXPECT_EQ((*event)->uuid, "GPU-fa4e0000-0000-0000-0000-000000000001");
  EXPECT_EQ((*event)->time, absl::FromUnixSeconds(1700000000));
}

}  // namespace
}  // namespace nvsx::nvml
