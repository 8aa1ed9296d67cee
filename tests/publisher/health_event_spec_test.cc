#include "publisher/health_event_spec.h"

#include <gtest/gtest.h>

#include "gpu_fault_fixtures.h"

namespace nvsx::publisher {
namespace {

using testing::Source;
using testing::Xid79OnGpu3;

TEST(HealthEventSpecTest, ANewEventCarriesEveryFieldOfTheFault) {
  const nlohmann::json event =
      NewHealthEvent(Xid79OnGpu3(), Source(), absl::FromUnixMillis(1700000000123));
  EXPECT_EQ(event["apiVersion"], "nvsentinel.nvidia.com/v1alpha1");
  EXPECT_EQ(event["kind"], "HealthEvent");
  EXPECT_EQ(event["metadata"]["name"], HealthEventName("gpu-node-1", Xid79OnGpu3()));
  EXPECT_EQ(event["metadata"]["labels"],
            (nlohmann::json{{"app.kubernetes.io/managed-by", "nvsentinel-publisher"},
                            {"nvsentinel.nvidia.com/node", "gpu-node-1"},
                            {"nvsentinel.nvidia.com/gpu", "gpu-0a1b"},
                            {"nvsentinel.nvidia.com/check", "GpuPcieWatch"}}));
  const nlohmann::json& spec = event["spec"];
  EXPECT_EQ(spec["nodeName"], "gpu-node-1");
  EXPECT_EQ(spec["agent"], "health-provider");
  EXPECT_EQ(spec["componentClass"], "GPU");
  EXPECT_EQ(spec["checkName"], "GpuPcieWatch");
  EXPECT_EQ(spec["isFatal"], true);
  EXPECT_EQ(spec["isHealthy"], false);
  EXPECT_EQ(spec["recommendedAction"], "RESTART_BM");
  EXPECT_EQ(spec["errorCode"], nlohmann::json::array({"79"}));
  EXPECT_EQ(spec["message"], "GpuPcieWatch: XID 79: fallen off the bus");
  EXPECT_EQ(spec["generatedTimestamp"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(spec["entitiesImpacted"],
            (nlohmann::json{{{"entityType", "GPU"}, {"entityValue", "3"}},
                            {{"entityType", "GPU_UUID"}, {"entityValue", "GPU-0A1B"}},
                            {{"entityType", "PCI"}, {"entityValue", "00000000:1B:00.0"}}}));
  EXPECT_EQ(spec["metadata"]["gpuName"], "gpu-0a1b");
  EXPECT_EQ(EventGpuName(event), "gpu-0a1b");
}

TEST(HealthEventSpecTest, TheNameIsFixedPerEpisodeAndNewForTheNextOne) {
  GpuFault fault = Xid79OnGpu3();
  const std::string name = HealthEventName("gpu-node-1", fault);
  EXPECT_TRUE(name.starts_with("gpu-node-1-gpu3-")) << name;
  EXPECT_EQ(name.size(), std::string("gpu-node-1-gpu3-").size() + 10);
  fault.message = "something else";
  fault.xids.push_back("48");
  EXPECT_EQ(HealthEventName("gpu-node-1", fault), name);
  fault.onset += absl::Milliseconds(1);
  EXPECT_NE(HealthEventName("gpu-node-1", fault), name);
  EXPECT_NE(HealthEventName("gpu-node-2", Xid79OnGpu3()), name);
}

TEST(HealthEventSpecTest, AnUpdateAddsXidsAndKeepsTheGenerationTimeAndCheck) {
  const nlohmann::json open = NewHealthEvent(Xid79OnGpu3(), Source(), absl::FromUnixSeconds(5));
  GpuFault grown = Xid79OnGpu3();
  grown.checks = {"GpuMemWatch"};  // the PCIe fault healed, an ECC one remains
  grown.xids = {"48"};
  grown.message = "GpuMemWatch: XID 48";
  const nlohmann::json spec = UpdatedSpec(open["spec"], grown, Source());
  EXPECT_EQ(spec["errorCode"], nlohmann::json::array({"79", "48"}));
  EXPECT_EQ(spec["checkName"], "GpuPcieWatch");
  EXPECT_EQ(spec["generatedTimestamp"], open["spec"]["generatedTimestamp"]);
  EXPECT_EQ(spec["message"], "GpuMemWatch: XID 48");
  EXPECT_FALSE(SpecHas(open["spec"], spec));
  EXPECT_TRUE(SpecHas(open["spec"], UpdatedSpec(open["spec"], Xid79OnGpu3(), Source())));
}

TEST(HealthEventSpecTest, ADegradedGpusEventIsNotFatalUntilAFatalFaultTakesItOver) {
  GpuFault warm = Xid79OnGpu3();
  warm.state = GpuState::kDegraded;
  warm.checks = {"GpuThermalWatch"};
  warm.xids = {};
  warm.recommended_action = "NONE";
  warm.message = "GpuThermalWatch: clocks slowed down for heat";
  const nlohmann::json open = NewHealthEvent(warm, Source(), absl::FromUnixSeconds(5));
  EXPECT_EQ(open["spec"]["isFatal"], false);
  EXPECT_EQ(open["spec"]["checkName"], "GpuThermalWatch");
  EXPECT_FALSE(IsFatalHealthEvent(open));

  // Still only warm: the check stays. Off the bus: the fatal check takes over.
  EXPECT_EQ(UpdatedSpec(open["spec"], warm, Source())["checkName"], "GpuThermalWatch");
  const nlohmann::json fatal = UpdatedSpec(open["spec"], Xid79OnGpu3(), Source());
  EXPECT_EQ(fatal["isFatal"], true);
  EXPECT_EQ(fatal["checkName"], "GpuPcieWatch");
  EXPECT_EQ(fatal["errorCode"], nlohmann::json::array({"79"}));
  EXPECT_EQ(fatal["generatedTimestamp"], open["spec"]["generatedTimestamp"]);
  EXPECT_TRUE(IsFatalHealthEvent(NewHealthEvent(Xid79OnGpu3(), Source(), absl::UnixEpoch())));
}

TEST(HealthEventSpecTest, SpecHasIgnoresFieldsOthersAdded) {
  nlohmann::json spec = {{"a", 1}, {"m", {{"x", "1"}, {"y", "2"}}}, {"other", true}};
  EXPECT_TRUE(SpecHas(spec, {{"a", 1}, {"m", {{"x", "1"}}}}));
  EXPECT_FALSE(SpecHas(spec, {{"a", 2}}));
  EXPECT_FALSE(SpecHas(spec, {{"m", {{"z", "3"}}}}));
}

TEST(HealthEventSpecTest, AnEventIsOpenUntilHealthyOrFinished) {
  nlohmann::json event = NewHealthEvent(Xid79OnGpu3(), Source(), absl::UnixEpoch());
  EXPECT_TRUE(IsOpenHealthEvent(event));
  event["status"]["phase"] = "Drained";
  EXPECT_TRUE(IsOpenHealthEvent(event));
  for (const char* phase : {"Resolved", "Failed", "Cancelled"}) {
    event["status"]["phase"] = phase;
    EXPECT_FALSE(IsOpenHealthEvent(event)) << phase;
  }
  event["status"]["phase"] = "New";
  event.merge_patch(RecoveredPatch(absl::UnixEpoch()));
  EXPECT_FALSE(IsOpenHealthEvent(event));
}

TEST(HealthEventSpecTest, TheNodeSelectorUsesTheNodeLabelWhenTheNameFitsOne) {
  EXPECT_EQ(NodeEventSelector("gpu-node-1"),
            "app.kubernetes.io/managed-by=nvsentinel-publisher,"
            "nvsentinel.nvidia.com/node=gpu-node-1");
  EXPECT_EQ(NodeEventSelector(std::string(70, 'n')),
            "app.kubernetes.io/managed-by=nvsentinel-publisher");
}

}  // namespace
}  // namespace nvsx::publisher
