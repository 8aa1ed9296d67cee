#include "health/gpu_health.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "health/check_types.h"
#include "nvml/sim_gpu_backend.h"
#include "nvml/throttle_reasons.h"

namespace nvsx::health {
namespace {

using enum RecommendedAction;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

nvml::GpuInfo Gpu(int index = 3) {
  return nvml::GpuInfo{.index = index,
                       .uuid = "GPU-aaaa",
                       .model = "NVIDIA H100 80GB HBM3",
                       .pci_bus_id = "00000000:18:00.0",
                       .memory_total_bytes = 80ull << 30};
}

nvml::GpuSample HealthySample(int index = 3) {
  nvml::GpuSample sample;
  sample.index = index;
  sample.temperature_c = 40;
  sample.ecc = nvml::EccCounts{.aggregate_sbe = 12, .aggregate_dbe = 1};
  sample.remapped_rows = nvml::RemappedRows{.corrected = 1};
  sample.nvlink_up = {true, true, true, true};
  sample.pcie = nvml::PcieLink{.generation = 5, .width = 16};
  return sample;
}

nvml::XidEvent Xid(uint32_t code, std::string uuid = "GPU-aaaa", int index = 3) {
  return nvml::XidEvent{.gpu_index = index, .uuid = std::move(uuid), .xid = code};
}

const HealthCondition& Find(const GpuHealth& health, std::string_view type) {
  for (const HealthCondition& condition : health.conditions) {
    if (condition.type == type) return condition;
  }
  static const HealthCondition kMissing{.type = "missing"};
  ADD_FAILURE() << "no condition " << type;
  return kMissing;
}

class GpuHealthTest : public ::testing::Test {
 protected:
  GpuHealth Assess(const nvml::GpuSample& sample, std::vector<nvml::XidEvent> xids = {}) {
    return AssessGpuHealth(Gpu(), sample, xids, catalog_);
  }
  const XidCatalog catalog_ = XidCatalog::Default();
};

TEST_F(GpuHealthTest, HealthyGpuListsEveryCheckFalse) {
  const GpuHealth health = Assess(HealthySample());
  EXPECT_TRUE(health.healthy);
  EXPECT_EQ(health.recommended_action, kNone);
  EXPECT_TRUE(health.xids.empty());
  ASSERT_EQ(health.conditions.size(), kAllChecks.size());
  for (size_t i = 0; i < kAllChecks.size(); ++i) {
    EXPECT_EQ(health.conditions[i].type, kAllChecks[i]);
    EXPECT_EQ(health.conditions[i].status, "False");
    EXPECT_EQ(health.conditions[i].reason, "NoFault");
    EXPECT_FALSE(health.conditions[i].fatal);
  }
}

TEST_F(GpuHealthTest, Xid79AndLostGpuIsFatalPcieNeedingReboot) {
  nvml::GpuSample lost{.index = 3,
                       .unresponsive = nvml::Unresponsive::kFallenOffBus,
                       .unresponsive_detail = "GPU is lost"};
  const GpuHealth health = Assess(lost, {Xid(79)});
  EXPECT_FALSE(health.healthy);
  EXPECT_EQ(health.recommended_action, kRestartBm);
  EXPECT_THAT(health.xids, ElementsAre(79u));
  const HealthCondition& pcie = Find(health, kGpuPcieWatch);
  EXPECT_EQ(pcie.status, "True");
  EXPECT_TRUE(pcie.fatal);
  EXPECT_EQ(pcie.reason, "Xid79");
  EXPECT_EQ(pcie.action, kRestartBm);
  EXPECT_THAT(pcie.message, HasSubstr("fallen off the bus"));
  EXPECT_THAT(pcie.message, HasSubstr("00000000:18:00.0"));
  // What could not be read is Unknown, not healthy.
  EXPECT_EQ(Find(health, kGpuMemWatch).status, "Unknown");
  EXPECT_EQ(Find(health, kGpuThermalWatch).status, "Unknown");
  EXPECT_EQ(Find(health, kGpuDriverWatch).status, "Unknown");
  EXPECT_EQ(Find(health, kSysLogsXidError).status, "False");
}

TEST_F(GpuHealthTest, LostGpuWithoutXidIsStillPcieFault) {
  nvml::GpuSample lost{.index = 3, .unresponsive = nvml::Unresponsive::kFallenOffBus};
  const GpuHealth health = Assess(lost);
  EXPECT_EQ(Find(health, kGpuPcieWatch).status, "True");
  EXPECT_EQ(Find(health, kGpuPcieWatch).reason, "FallenOffBus");
  EXPECT_EQ(health.recommended_action, kRestartBm);
}

TEST_F(GpuHealthTest, AGpuBeingResetHasNoVerdictAndNoNewFault) {
  nvml::GpuSample resetting{.index = 3, .unresponsive = nvml::Unresponsive::kResetting};
  const GpuHealth health = Assess(resetting);
  for (const HealthCondition& condition : health.conditions) {
    EXPECT_NE(condition.status, "True") << condition.type;
  }
  EXPECT_EQ(Find(health, kGpuPcieWatch).status, "Unknown");
  EXPECT_EQ(Find(health, kGpuDriverWatch).status, "Unknown");
}

TEST_F(GpuHealthTest, DriverHangIsFatalDriverFaultNeedingReboot) {
  nvml::GpuSample hung{.index = 3,
                       .unresponsive = nvml::Unresponsive::kDriverHang,
                       .unresponsive_detail = "Timeout"};
  const GpuHealth health = Assess(hung);
  const HealthCondition& driver = Find(health, kGpuDriverWatch);
  EXPECT_EQ(driver.status, "True");
  EXPECT_EQ(driver.reason, "DriverNotResponding");
  EXPECT_TRUE(driver.fatal);
  EXPECT_EQ(health.recommended_action, kRestartBm);
  EXPECT_EQ(Find(health, kGpuPcieWatch).status, "Unknown");
  EXPECT_EQ(Find(health, kGpuNvlinkWatch).status, "Unknown");
}

TEST_F(GpuHealthTest, DoubleBitEccNeedsGpuReset) {
  nvml::GpuSample sample = HealthySample();
  sample.ecc->volatile_dbe = 2;
  const GpuHealth health = Assess(sample, {Xid(48)});
  const HealthCondition& mem = Find(health, kGpuMemWatch);
  EXPECT_EQ(mem.status, "True");
  EXPECT_TRUE(mem.fatal);
  EXPECT_THAT(mem.message, HasSubstr("XID 48"));
  EXPECT_THAT(mem.message, HasSubstr("2 uncorrectable"));
  EXPECT_EQ(health.recommended_action, kComponentReset);
  EXPECT_FALSE(health.healthy);
}

TEST_F(GpuHealthTest, DoubleBitCountAloneIsAFault) {
  nvml::GpuSample sample = HealthySample();
  sample.ecc->volatile_dbe = 1;
  const GpuHealth health = Assess(sample);
  EXPECT_EQ(Find(health, kGpuMemWatch).reason, "DoubleBitEcc");
  EXPECT_FALSE(health.healthy);
}

TEST_F(GpuHealthTest, AggregateEccHistoryAloneIsNotAFault) {
  nvml::GpuSample sample = HealthySample();
  sample.ecc->aggregate_dbe = 40;
  EXPECT_EQ(Find(Assess(sample), kGpuMemWatch).status, "False");
}

TEST_F(GpuHealthTest, PendingRowRemapIsNonFatalButWantsReset) {
  nvml::GpuSample sample = HealthySample();
  sample.remapped_rows->pending = true;
  const GpuHealth health = Assess(sample);
  const HealthCondition& mem = Find(health, kGpuMemWatch);
  EXPECT_EQ(mem.status, "True");
  EXPECT_EQ(mem.reason, "RowRemapPending");
  EXPECT_FALSE(mem.fatal);
  EXPECT_TRUE(health.healthy);
  EXPECT_EQ(health.recommended_action, kComponentReset);
}

TEST_F(GpuHealthTest, RowRemapFailureNeedsSupport) {
  nvml::GpuSample sample = HealthySample();
  sample.remapped_rows->failure = true;
  sample.remapped_rows->pending = true;
  const GpuHealth health = Assess(sample);
  EXPECT_EQ(Find(health, kGpuMemWatch).reason, "RowRemapFailure");
  EXPECT_EQ(health.recommended_action, kContactSupport);
  EXPECT_FALSE(health.healthy);
}

TEST_F(GpuHealthTest, NvlinkDownNamesTheLinks) {
  nvml::GpuSample sample = HealthySample();
  sample.nvlink_up = {true, false, true, false};
  const GpuHealth health = Assess(sample);
  const HealthCondition& nvlink = Find(health, kGpuNvlinkWatch);
  EXPECT_EQ(nvlink.status, "True");
  EXPECT_EQ(nvlink.reason, "NvlinkDown");
  EXPECT_THAT(nvlink.message, HasSubstr("1, 3"));
  EXPECT_EQ(health.recommended_action, kComponentReset);
}

TEST_F(GpuHealthTest, ThermalSlowdownIsNonFatal) {
  nvml::GpuSample sample = HealthySample();
  sample.temperature_c = 93;
  sample.throttle_reasons = nvml::kThrottleHwThermalSlowdown;
  const GpuHealth health = Assess(sample);
  const HealthCondition& thermal = Find(health, kGpuThermalWatch);
  EXPECT_EQ(thermal.status, "True");
  EXPECT_FALSE(thermal.fatal);
  EXPECT_THAT(thermal.message, HasSubstr("93 C"));
  EXPECT_TRUE(health.healthy);
  EXPECT_EQ(health.recommended_action, kNone);
}

TEST_F(GpuHealthTest, PowerCapThrottlingIsNotThermal) {
  nvml::GpuSample sample = HealthySample();
  sample.throttle_reasons = nvml::kThrottleSwPowerCap | nvml::kThrottleGpuIdle;
  EXPECT_EQ(Find(Assess(sample), kGpuThermalWatch).status, "False");
}

TEST_F(GpuHealthTest, CorruptInforomIsReported) {
  nvml::GpuSample sample = HealthySample();
  sample.inforom_valid = false;
  const GpuHealth health = Assess(sample);
  EXPECT_EQ(Find(health, kGpuInforomWatch).status, "True");
  EXPECT_EQ(Find(health, kGpuInforomWatch).reason, "InforomCorrupt");
  EXPECT_TRUE(health.healthy);
  EXPECT_EQ(health.recommended_action, kContactSupport);
}

TEST_F(GpuHealthTest, MostSevereActionWinsRebootOverReset) {
  const GpuHealth health = Assess(HealthySample(), {Xid(74), Xid(79), Xid(13)});
  EXPECT_EQ(health.recommended_action, kRestartBm);
  EXPECT_THAT(health.xids, ElementsAre(74u, 79u, 13u));
}

TEST_F(GpuHealthTest, FatalFindingsDecideTheActionOverNonFatalOnes) {
  nvml::GpuSample sample = HealthySample();
  sample.inforom_valid = false;  // non-fatal, CONTACT_SUPPORT
  const GpuHealth health = Assess(sample, {Xid(74)});
  EXPECT_EQ(health.recommended_action, kComponentReset);
}

TEST_F(GpuHealthTest, GspXidsAreFatalDriverFaults) {
  const GpuHealth health = Assess(HealthySample(), {Xid(119), Xid(120)});
  const HealthCondition& driver = Find(health, kGpuDriverWatch);
  EXPECT_EQ(driver.status, "True");
  EXPECT_TRUE(driver.fatal);
  EXPECT_THAT(driver.message, HasSubstr("XID 119"));
  EXPECT_THAT(driver.message, HasSubstr("XID 120"));
  EXPECT_EQ(health.recommended_action, kComponentReset);
}

TEST_F(GpuHealthTest, ApplicationXidBlamesTheApplicationNotTheGpu) {
  const GpuHealth health = Assess(HealthySample(), {Xid(13)});
  const HealthCondition& xid = Find(health, kSysLogsXidError);
  EXPECT_EQ(xid.status, "True");
  EXPECT_EQ(xid.reason, "Xid13");
  EXPECT_FALSE(xid.fatal);
  EXPECT_THAT(xid.message, HasSubstr("application"));
  EXPECT_TRUE(health.healthy);
  EXPECT_EQ(health.recommended_action, kRestartApp);
}

TEST_F(GpuHealthTest, UnknownXidIsReportedWithUnknownAction) {
  const GpuHealth health = Assess(HealthySample(), {Xid(999)});
  const HealthCondition& xid = Find(health, kSysLogsXidError);
  EXPECT_EQ(xid.status, "True");
  EXPECT_EQ(xid.reason, "Xid999");
  EXPECT_THAT(xid.message, HasSubstr("not in the XID catalog"));
  EXPECT_TRUE(health.healthy);
  EXPECT_EQ(health.recommended_action, kUnknown);
}

TEST_F(GpuHealthTest, RepeatedXidsAreCountedOnce) {
  const GpuHealth health = Assess(HealthySample(), {Xid(48), Xid(48), Xid(48)});
  EXPECT_THAT(health.xids, ElementsAre(48u));
  EXPECT_THAT(Find(health, kGpuMemWatch).message, HasSubstr("3 times"));
}

TEST_F(GpuHealthTest, OtherGpusXidsAreIgnored) {
  const GpuHealth health =
      Assess(HealthySample(), {Xid(79, "GPU-bbbb", 4), Xid(48, /*uuid=*/"", /*index=*/2)});
  EXPECT_TRUE(health.healthy);
  EXPECT_TRUE(health.xids.empty());
  // Without a uuid the index decides.
  const GpuHealth mine = Assess(HealthySample(), {Xid(48, "", 3)});
  EXPECT_THAT(mine.xids, ElementsAre(48u));
}

TEST_F(GpuHealthTest, CustomCatalogChecksAreListedAfterTheBuiltInOnes) {
  auto catalog = XidCatalog::Create({{.code = 7,
                                      .meaning = "x",
                                      .fatal = true,
                                      .action = kRestartBm,
                                      .check = "GpuCustomWatch"}});
  ASSERT_TRUE(catalog.ok());
  const std::vector<nvml::XidEvent> xids = {Xid(7)};
  const GpuHealth health = AssessGpuHealth(Gpu(), HealthySample(), xids, *catalog);
  ASSERT_EQ(health.conditions.size(), kAllChecks.size() + 1);
  EXPECT_EQ(health.conditions.back().type, "GpuCustomWatch");
  EXPECT_EQ(health.conditions.back().status, "True");
  EXPECT_EQ(health.recommended_action, kRestartBm);
}

// The simulated backend's faults read as the faults they stand for.
TEST_F(GpuHealthTest, SimulatedFaultsAssessAsExpected) {
  core::SystemClock clock;
  nvml::SimGpuBackend backend({.node_name = "n", .gpu_count = 4, .clock = &clock});
  auto gpus = backend.Enumerate();
  ASSERT_TRUE(gpus.ok());
  auto assess = [&](int index) {
    std::vector<nvml::XidEvent> xids;
    while (auto event = *backend.WaitForXid(absl::ZeroDuration())) xids.push_back(*event);
    return AssessGpuHealth((*gpus)[index], *backend.Sample(index), xids, catalog_);
  };
  ASSERT_TRUE(backend.InjectXid(3, 79).ok());
  GpuHealth health = assess(3);
  EXPECT_EQ(Find(health, kGpuPcieWatch).status, "True");
  EXPECT_EQ(health.recommended_action, kRestartBm);

  ASSERT_TRUE(backend.Clear(3).ok());
  health = assess(3);
  EXPECT_TRUE(health.healthy);
  EXPECT_EQ(Find(health, kGpuPcieWatch).status, "False");

  ASSERT_TRUE(backend.InjectFault(1, nvml::SimFault::kThermal).ok());
  EXPECT_EQ(Find(assess(1), kGpuThermalWatch).status, "True");
  ASSERT_TRUE(backend.InjectFault(2, nvml::SimFault::kDriverHang).ok());
  EXPECT_EQ(Find(assess(2), kGpuDriverWatch).status, "True");
}

}  // namespace
}  // namespace nvsx::health
