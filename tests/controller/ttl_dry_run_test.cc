// TTL deletion by the ConfigMap policy (and a bad ConfigMap that leaves the
// last good policy in force), and a dry run that changes nothing anywhere in
// the chain, against the embedded API server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

#include "controller/names.h"
#include "controller/quarantine_record.h"
#include "controller_fixture.h"

namespace nvsx::controller::testing {
namespace {

using kube::HealthEventPhase;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const kube::ResourceRef kConfigMaps{
    .group = "", .version = "v1", .resource = "configmaps", .namespace_name = "nvsentinel"};

// Keeps the lines logged at error level.
class ErrorLines : public core::LogSink {
 public:
  void Write(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (line.find("ERROR") != std::string_view::npos) lines_.emplace_back(line);
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

class TtlTest : public ControllerTest {
 protected:
  void SetUp() override {
    ControllerTest::SetUp();
    // The seeded cluster has namespace nvsentinel already; make sure.
    auto created = client_->Create(
        {.group = "", .version = "v1", .resource = "namespaces"},
        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "nvsentinel"}}}});
    ASSERT_TRUE(created.ok() || kube::apierrors::IsAlreadyExists(created.status()))
        << created.status();
    // Events on this node are Cancelled at once: a quick way to finish one.
    ASSERT_TRUE(client_
                    ->Patch(kNodes.WithName("gpu-node-3"), kube::PatchType::kMerge,
                            {{"metadata", {{"labels", {{kQuarantineOptOutLabel, "disabled"}}}}}})
                    .ok());
  }
  void WritePolicy(const json& data) {
    json config_map = {{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata", {{"name", "nvsentinel-ttl"}}},
                       {"data", data}};
    auto current = client_->Get(kConfigMaps.WithName("nvsentinel-ttl"));
    if (current.ok()) {
      config_map["metadata"]["resourceVersion"] = (*current)["metadata"]["resourceVersion"];
      ASSERT_TRUE(client_->Update(kConfigMaps.WithName("nvsentinel-ttl"), config_map).ok());
    } else {
      ASSERT_TRUE(client_->Create(kConfigMaps, config_map).ok());
    }
  }
  bool Exists(const std::string& event) {
    return client_->Get(kube::HealthEventsResource().WithName(event)).ok();
  }
};

TEST_F(TtlTest, FinishedEventsAreDeletedByPhaseAndCheckAndABadPolicyIsIgnored) {
  WritePolicy({{"Cancelled", "never"}, {"check.GpuThermalWatch.Cancelled", "1s"}});
  auto sink = std::make_shared<ErrorLines>();
  HealthEventController* controller =
      StartController(FastOptions(), core::Logger(sink, core::LoggerOptions{}, &clock_));

  CreateEvent({.name = "hot", .node = "gpu-node-3", .check = "GpuThermalWatch"});
  CreateEvent({.name = "kept", .node = "gpu-node-3"});
  ASSERT_TRUE(EventuallyPhase("kept", HealthEventPhase::kCancelled));
  ASSERT_TRUE(Eventually([&] { return !Exists("hot"); }));
  EXPECT_TRUE(Exists("kept")) << "Cancelled: never";

  // A bad value: refused, logged, recorded on the ConfigMap; the old policy stays.
  WritePolicy({{"Cancelled", "soon"}});
  ASSERT_TRUE(Eventually([&] { return !controller->ttl_policy_error().ok(); }));
  EXPECT_THAT(controller->ttl_policy_error().message(),
              HasSubstr("ConfigMap nvsentinel/nvsentinel-ttl: key \"Cancelled\": \"soon\" is not "
                        "a time to keep events; write a duration such as 24h"));
  ASSERT_TRUE(Eventually([&] { return !sink->lines().empty(); }));
  EXPECT_THAT(sink->lines().front(), HasSubstr("TTL policy refused"));
  EXPECT_TRUE(Eventually(
      [&] { return !EventReasons("ConfigMap", "nvsentinel-ttl", "nvsentinel").empty(); }));
  CreateEvent({.name = "hot-again", .node = "gpu-node-3", .check = "GpuThermalWatch"});
  ASSERT_TRUE(Eventually([&] { return !Exists("hot-again"); })) << "the old policy holds";
  EXPECT_TRUE(Exists("kept"));

  // A good update applies to events already finished.
  WritePolicy({{"Cancelled", "1s"}});
  ASSERT_TRUE(Eventually([&] { return !Exists("kept"); }));
  EXPECT_TRUE(controller->ttl_policy_error().ok());
}

TEST_F(TtlTest, DryRunChangesNothingThroughTheWholeChain) {
  WritePolicy({{"Resolved", "0"}, {"Cancelled", "0"}});
  // Events as an earlier controller left them, one in each phase.
  CreateEvent({.name = "new"});
  CreateEvent({.name = "drained", .node = "gpu-node-1"});
  SetPhase("drained", HealthEventPhase::kDrained);
  CreateEvent({.name = "remediated",
               .node = "gpu-node-2",
               .healthy = true,
               .action = kube::RecommendedAction::kNone});
  SetPhase("remediated", HealthEventPhase::kRemediated);
  CreateEvent({.name = "resolved", .node = "gpu-node-2"});
  SetPhase("resolved", HealthEventPhase::kResolved);
  ASSERT_TRUE(client_
                  ->Patch(kNodes.WithName("gpu-node-2"), kube::PatchType::kMerge,
                          {{"metadata",
                            {{"annotations",
                              {{kQuarantinedByAnnotation, "remediated"},
                               {kQuarantinedAtAnnotation, "2026-01-01T00:00:00.000Z"},
                               {kCordonedByAnnotation, kCordonedByUs}}}}},
                           {"spec", {{"unschedulable", true}}}})
                  .ok());
  CreatePod({.name = "training-0"});
  ASSERT_TRUE(Eventually([&] { return PodRunning("training-0"); }));
  std::vector<json> nodes_before;
  for (const char* name : {"gpu-node-0", "gpu-node-1", "gpu-node-2"}) {
    json node = Node(name).object();
    nodes_before.push_back({node["metadata"]["annotations"], node["spec"]});
  }

  HealthEventControllerOptions options = FastOptions();
  options.quarantine.dry_run = true;
  HealthEventController* controller = StartController(options);
  ASSERT_TRUE(EventuallyConditionReason("new", kQuarantinedCondition, kReasonDryRun));
  ASSERT_TRUE(EventuallyConditionReason("drained", kRemediatedCondition, kReasonDryRun));
  ASSERT_TRUE(EventuallyConditionReason("remediated", kResolvedCondition, kReasonDryRun));
  absl::SleepFor(absl::Milliseconds(300));

  EXPECT_EQ(Event("new").phase(), HealthEventPhase::kNew);
  EXPECT_EQ(Event("drained").phase(), HealthEventPhase::kDrained);
  EXPECT_THAT(kube::FindCondition(Event("drained").conditions(), kRemediatedCondition)->message,
              HasSubstr("would create RebootNode drained-reboot"));
  EXPECT_EQ(Event("remediated").phase(), HealthEventPhase::kRemediated);
  EXPECT_TRUE(Exists("resolved")) << "TTL deletes nothing in a dry run";
  EXPECT_THAT(Names(kube::RebootNodesResource()), IsEmpty());
  EXPECT_THAT(Names(kube::GpuResetsResource()), IsEmpty());
  EXPECT_TRUE(PodRunning("training-0"));
  EXPECT_EQ(controller->evictions(), 0u);
  size_t i = 0;
  for (const char* name : {"gpu-node-0", "gpu-node-1", "gpu-node-2"}) {
    json node = Node(name).object();
    EXPECT_EQ(json({node["metadata"]["annotations"], node["spec"]}), nodes_before[i++]) << name;
  }
}

}  // namespace
}  // namespace nvsx::controller::testing
