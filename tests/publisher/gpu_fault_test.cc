#include "publisher/gpu_fault.h"

#include <gtest/gtest.h>

#include "google/protobuf/util/time_util.h"

namespace nvsx::publisher {
namespace {

class GpuFaultTest : public ::testing::Test {
 protected:
  GpuFaultTest() {
    gpu_.mutable_metadata()->set_name("gpu-0000");
    gpu_.mutable_spec()->set_uuid("GPU-0000");
    gpu_.mutable_spec()->set_index(3);
    gpu_.mutable_spec()->set_pci_bus_id("00000000:1B:00.0");
    gpu_.mutable_status()->set_recommended_action("NONE");
    for (const char* check : {"GpuPcieWatch", "GpuMemWatch", "GpuThermalWatch"}) {
      Set(check, "False", "NoFault", "no fault detected", 0);
    }
  }

  void Set(const std::string& type, const std::string& status, const std::string& reason,
           const std::string& message, int64_t since_seconds) {
    v1::Condition* condition = nullptr;
    for (v1::Condition& existing : *gpu_.mutable_status()->mutable_conditions()) {
      if (existing.type() == type) condition = &existing;
    }
    if (condition == nullptr) condition = gpu_.mutable_status()->add_conditions();
    condition->set_type(type);
    condition->set_status(status);
    condition->set_reason(reason);
    condition->set_message(message);
    *condition->mutable_last_transition_time() =
        google::protobuf::util::TimeUtil::SecondsToTimestamp(since_seconds);
  }

  v1::Gpu gpu_;
  health::XidCatalog catalog_ = health::XidCatalog::Default();
};

TEST_F(GpuFaultTest, AGpuWithEveryCheckFalseIsHealthy) {
  EXPECT_EQ(JudgeGpu(gpu_, catalog_).state, GpuState::kHealthy);
}

TEST_F(GpuFaultTest, AFatalXidMakesTheGpuFatalWithItsCheckXidsActionAndOnset) {
  Set("GpuPcieWatch", "True", "Xid79", "XID 79: fallen off the bus", 100);
  Set("GpuMemWatch", "True", "DoubleBitEcc", "2 uncorrectable ECC errors", 50);
  gpu_.mutable_status()->set_recommended_action("RESTART_BM");
  gpu_.mutable_status()->add_recent_xids()->set_code(79);
  gpu_.mutable_status()->add_recent_xids()->set_code(48);
  gpu_.mutable_status()->add_recent_xids()->set_code(79);
  const GpuFault fault = JudgeGpu(gpu_, catalog_);
  EXPECT_EQ(fault.state, GpuState::kFatal);
  EXPECT_EQ(fault.checks, (std::vector<std::string>{"GpuPcieWatch", "GpuMemWatch"}));
  EXPECT_EQ(fault.xids, (std::vector<std::string>{"79", "48"}));
  EXPECT_EQ(fault.recommended_action, "RESTART_BM");
  EXPECT_EQ(fault.message,
            "GpuPcieWatch: XID 79: fallen off the bus; GpuMemWatch: 2 uncorrectable ECC errors");
  EXPECT_EQ(fault.onset, absl::FromUnixSeconds(50));
  EXPECT_EQ(fault.index, 3);
  EXPECT_EQ(fault.uuid, "GPU-0000");
}

TEST_F(GpuFaultTest, NonFatalFindingsMakeTheGpuDegradedWithThoseChecks) {
  Set("GpuThermalWatch", "True", "ThermalSlowdown", "clocks slowed down for heat", 20);
  Set("GpuMemWatch", "True", "RowRemapPending", "a row remap waits for a GPU reset", 10);
  GpuFault fault = JudgeGpu(gpu_, catalog_);
  EXPECT_EQ(fault.state, GpuState::kDegraded);
  EXPECT_EQ(fault.checks, (std::vector<std::string>{"GpuMemWatch", "GpuThermalWatch"}));
  EXPECT_EQ(fault.message,
            "GpuMemWatch: a row remap waits for a GPU reset; "
            "GpuThermalWatch: clocks slowed down for heat");
  EXPECT_EQ(fault.onset, absl::FromUnixSeconds(10));
  Set("GpuPcieWatch", "True", "Xid13", "XID 13: graphics engine exception", 10);
  EXPECT_FALSE(catalog_.Lookup(13).fatal);
  EXPECT_EQ(JudgeGpu(gpu_, catalog_).state, GpuState::kDegraded);
  // A fatal finding outranks them: the event reports only the fatal check.
  Set("GpuPcieWatch", "True", "Xid79", "XID 79: fallen off the bus", 30);
  fault = JudgeGpu(gpu_, catalog_);
  EXPECT_EQ(fault.state, GpuState::kFatal);
  EXPECT_EQ(fault.checks, (std::vector<std::string>{"GpuPcieWatch"}));
  EXPECT_EQ(fault.onset, absl::FromUnixSeconds(30));
}

TEST_F(GpuFaultTest, UnknownConditionsOrNoneAtAllAreNoVerdict) {
  Set("GpuPcieWatch", "Unknown", "ProviderHeartbeatLost", "no heartbeat", 10);
  EXPECT_EQ(JudgeGpu(gpu_, catalog_).state, GpuState::kUndetermined);
  gpu_.mutable_status()->clear_conditions();
  EXPECT_EQ(JudgeGpu(gpu_, catalog_).state, GpuState::kUndetermined);
}

TEST_F(GpuFaultTest, AnUnknownActionNameBecomesUnknown) {
  Set("GpuPcieWatch", "True", "FallenOffBus", "gone", 10);
  gpu_.mutable_status()->set_recommended_action("DANCE");
  EXPECT_EQ(JudgeGpu(gpu_, catalog_).recommended_action, "UNKNOWN");
}

TEST(IsFatalConditionTest, ReadsXidReasonsThroughTheCatalogAndNamedReasonsFromTheTable) {
  const health::XidCatalog catalog = health::XidCatalog::Default();
  v1::Condition condition;
  condition.set_status("True");
  for (const char* reason : {"Xid79", "Xid48", "FallenOffBus", "DriverNotResponding",
                             "DoubleBitEcc", "RowRemapFailure", "NvlinkDown"}) {
    condition.set_reason(reason);
    EXPECT_TRUE(IsFatalCondition(condition, catalog)) << reason;
  }
  for (const char* reason : {"Xid13", "Xid", "Xid79x", "ThermalSlowdown", "InforomCorrupt"}) {
    condition.set_reason(reason);
    EXPECT_FALSE(IsFatalCondition(condition, catalog)) << reason;
  }
  condition.set_reason("Xid79");
  condition.set_status("False");
  EXPECT_FALSE(IsFatalCondition(condition, catalog));
}

}  // namespace
}  // namespace nvsx::publisher
