// The whole HealthEvent chain against the embedded API server, with the test
// acting as the janitor (RebootNode / GPUReset status, node reboots through
// the simulated kubelet) and as the publisher (isHealthy when the GPU
// recovers): New -> Quarantined -> Drained -> Remediated -> Resolved, across
// restarts, for every kind of remediation, supersede and escalation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "controller/names.h"
#include "controller/quarantine_record.h"
#include "controller_fixture.h"

namespace nvsx::controller::testing {
namespace {

using kube::HealthEventPhase;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

bool Has(const std::vector<std::string>& reasons, const char* reason) {
  return std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
}

std::string ConditionReason(const kube::HealthEvent& event, std::string_view type) {
  const std::vector<kube::Condition> conditions = event.conditions();
  const kube::Condition* condition = kube::FindCondition(conditions, type);
  return condition == nullptr ? "" : condition->reason;
}

class RemediationChainTest : public ControllerTest {
 protected:
  // The node carries nothing of the quarantine any more.
  void ExpectReleased(const std::string& node_name, bool still_cordoned = false) {
    const kube::Node node = Node(node_name);
    EXPECT_EQ(node.unschedulable(), still_cordoned) << node_name;
    EXPECT_FALSE(node.HasTaint("nvidia.com/gpu-error")) << node_name;
    EXPECT_FALSE(QuarantineRecord::FromNode(node).present) << node_name;
    EXPECT_FALSE(node.FindCondition("SysLogsXIDError").has_value()) << node_name;
  }
};

TEST_F(RemediationChainTest, RebootTakesTheEventFromNewToResolvedWithEveryPhaseTime) {
  CreatePod({.name = "inference-0", .app = "inference"});
  CreateBudget("inference", "inference", 1);
  ASSERT_TRUE(Eventually([&] { return PodRunning("inference-0"); }));
  HealthEventController* controller = StartController();

  CreateEvent({.name = "xid79"});
  // The budget holds the drain first.
  ASSERT_TRUE(Eventually([&] {
    return ConditionReason(Event("xid79"), kDrainedCondition) == kReasonDraining &&
           Event("xid79").phase() == HealthEventPhase::kQuarantined;
  }));
  EXPECT_THAT(Names(kube::RebootNodesResource()), IsEmpty());
  SetBudget("inference", 0);
  ASSERT_TRUE(EventuallyPhase("xid79", HealthEventPhase::kDrained));

  // One RebootNode, named after the event, owned by it, named in status.
  ASSERT_TRUE(Eventually([&] { return Event("xid79").remediation().has_value(); }));
  EXPECT_THAT(Names(kube::RebootNodesResource()), ElementsAre("xid79-reboot"));
  const kube::RemediationRef ref = *Event("xid79").remediation();
  EXPECT_EQ(ref.kind, "RebootNode");
  EXPECT_EQ(ref.api_version, "janitor.dgxc.nvidia.com/v1alpha1");
  EXPECT_EQ(ref.name, "xid79-reboot");
  const kube::RebootNode reboot(
      *client_->Get(kube::RebootNodesResource().WithName("xid79-reboot")));
  EXPECT_EQ(reboot.node_name(), "gpu-node-0");
  EXPECT_EQ(reboot.metadata().Label(kRemediationEventLabel), "xid79");
  ASSERT_EQ(reboot.metadata().owner_references().size(), 1u);
  EXPECT_EQ(reboot.metadata().owner_references()[0].name, "xid79");
  EXPECT_EQ(reboot.metadata().owner_references()[0].uid, Event("xid79").metadata().uid());
  EXPECT_EQ(ConditionReason(Event("xid79"), kRemediatedCondition), kReasonRemediating);

  ActAsJanitor("RebootNode", "xid79-reboot");
  ASSERT_TRUE(EventuallyPhase("xid79", HealthEventPhase::kRemediated));
  // Ready again, but the GPU has not reported healthy yet.
  ASSERT_TRUE(EventuallyConditionReason("xid79", kResolvedCondition, kReasonAwaitingRecovery));
  EXPECT_TRUE(Node("gpu-node-0").unschedulable());

  MarkHealthy("xid79");
  ASSERT_TRUE(EventuallyPhase("xid79", HealthEventPhase::kResolved));
  const kube::HealthEvent event = Event("xid79");
  const auto times = event.phase_times();
  const std::vector<HealthEventPhase> order = {
      HealthEventPhase::kNew, HealthEventPhase::kQuarantined, HealthEventPhase::kDrained,
      HealthEventPhase::kRemediated, HealthEventPhase::kResolved};
  for (size_t i = 0; i < order.size(); ++i) {
    ASSERT_TRUE(times.contains(order[i])) << kube::HealthEventPhaseName(order[i]);
    if (i > 0) {
      EXPECT_LE(times.at(order[i - 1]), times.at(order[i]));
    }
  }
  EXPECT_EQ(ConditionReason(event, kResolvedCondition), kReasonRecovered);
  ExpectReleased("gpu-node-0");
  EXPECT_EQ(controller->evictions(), 1u);
  EXPECT_EQ(controller->remediations_created(), 1u);

  EXPECT_TRUE(Eventually([&] {
    const std::vector<std::string> on_event = EventReasons("HealthEvent", "xid79");
    const std::vector<std::string> on_node = EventReasons("Node", "gpu-node-0");
    return Has(on_node, "RemediationCreated") && Has(on_node, "NodeReleased") &&
           Has(on_event, "RemediationStarted") && Has(on_event, "Remediated") &&
           Has(on_event, "Recovered");
  }));
}

TEST_F(RemediationChainTest, AFreshControllerAtEveryPhaseFinishesWithoutRepeatingWork) {
  CreatePod({.name = "inference-0", .app = "inference"});
  CreateBudget("inference", "inference", 1);
  ASSERT_TRUE(Eventually([&] { return PodRunning("inference-0"); }));
  uint64_t evictions = 0;
  uint64_t created = 0;
  HealthEventController* controller = StartController();
  auto restart = [&] {
    evictions += controller->evictions();
    created += controller->remediations_created();
    StopController(controller);
    controller = StartController();
  };

  CreateEvent({.name = "restarts"});
  ASSERT_TRUE(EventuallyPhase("restarts", HealthEventPhase::kQuarantined));
  restart();
  ASSERT_TRUE(EventuallyConditionReason("restarts", kDrainedCondition, kReasonDraining));
  restart();
  SetBudget("inference", 0);
  ASSERT_TRUE(EventuallyPhase("restarts", HealthEventPhase::kDrained));
  ASSERT_TRUE(Eventually([&] { return Event("restarts").remediation().has_value(); }));
  restart();
  ActAsJanitor("RebootNode", "restarts-reboot");
  ASSERT_TRUE(EventuallyPhase("restarts", HealthEventPhase::kRemediated));
  restart();
  MarkHealthy("restarts");
  ASSERT_TRUE(EventuallyPhase("restarts", HealthEventPhase::kResolved));
  restart();
  absl::SleepFor(absl::Milliseconds(300));  // let the last one look at it too

  evictions += controller->evictions();
  created += controller->remediations_created();
  EXPECT_EQ(evictions, 1u) << "the pod was evicted once";
  EXPECT_EQ(created, 1u) << "one remediation object";
  EXPECT_THAT(Names(kube::RebootNodesResource()), ElementsAre("restarts-reboot"));
  EXPECT_EQ(Event("restarts").phase_times().size(), 5u);
  ExpectReleased("gpu-node-0");
}

TEST_F(RemediationChainTest, ComponentResetMakesAGpuResetOfTheEventsGpus) {
  StartController();
  CreateEvent({.name = "reset", .gpu = "2", .action = kube::RecommendedAction::kComponentReset});
  ASSERT_TRUE(Eventually([&] { return Event("reset").remediation().has_value(); }));
  EXPECT_EQ(Event("reset").remediation()->kind, "GPUReset");
  EXPECT_THAT(Names(kube::RebootNodesResource()), IsEmpty());
  const kube::GpuReset reset(*client_->Get(kube::GpuResetsResource().WithName("reset-gpu-reset")));
  EXPECT_EQ(reset.node_name(), "gpu-node-0");
  EXPECT_THAT(reset.gpu_uuids(), ElementsAre("GPU-0000-2"));

  ActAsJanitor("GPUReset", "reset-gpu-reset");
  ASSERT_TRUE(EventuallyPhase("reset", HealthEventPhase::kRemediated));
  MarkHealthy("reset");
  ASSERT_TRUE(EventuallyPhase("reset", HealthEventPhase::kResolved));
  ExpectReleased("gpu-node-0");
}

TEST_F(RemediationChainTest, AFailedRemediationFailsTheEventNamingTheObject) {
  StartController();
  CreateEvent({.name = "broken", .action = kube::RecommendedAction::kComponentReset});
  ASSERT_TRUE(Eventually([&] { return Event("broken").remediation().has_value(); }));
  ActAsJanitor("GPUReset", "broken-gpu-reset", /*succeed=*/false);
  ASSERT_TRUE(EventuallyPhase("broken", HealthEventPhase::kFailed));
  EXPECT_EQ(Event("broken").status_reason(), kReasonRemediationFailed);
  EXPECT_THAT(Event("broken").status_message(),
              HasSubstr("GPUReset broken-gpu-reset failed: node did not come back"));
  EXPECT_TRUE(Node("gpu-node-0").unschedulable()) << "a failed event leaves the node out";
}

TEST_F(RemediationChainTest, ManualActionWaitsForTheApprovalAnnotation) {
  StartController();
  CreateEvent({.name = "support", .action = kube::RecommendedAction::kContactSupport});
  ASSERT_TRUE(EventuallyConditionReason("support", kRemediatedCondition, kReasonAwaitingApproval));
  const kube::HealthEvent waiting = Event("support");
  EXPECT_EQ(waiting.phase(), HealthEventPhase::kDrained);
  EXPECT_THAT(kube::FindCondition(waiting.conditions(), kRemediatedCondition)->message,
              HasSubstr("kubectl annotate healthevent support "
                        "nvsentinel.nvidia.com/remediation-approved=true"));
  EXPECT_THAT(Names(kube::RebootNodesResource()), IsEmpty());
  EXPECT_THAT(Names(kube::GpuResetsResource()), IsEmpty());

  Approve("support");
  ASSERT_TRUE(EventuallyPhase("support", HealthEventPhase::kRemediated));
  EXPECT_EQ(ConditionReason(Event("support"), kRemediatedCondition), kReasonApproved);
  MarkHealthy("support");
  ASSERT_TRUE(EventuallyPhase("support", HealthEventPhase::kResolved));
  ExpectReleased("gpu-node-0");
}

TEST_F(RemediationChainTest, NoActionGoesStraightToRemediated) {
  StartController();
  CreateEvent({.name = "app", .action = kube::RecommendedAction::kRestartApp});
  ASSERT_TRUE(EventuallyPhase("app", HealthEventPhase::kRemediated));
  EXPECT_EQ(ConditionReason(Event("app"), kRemediatedCondition), kReasonNoRemediation);
  EXPECT_FALSE(Event("app").remediation().has_value());
  MarkHealthy("app");
  ASSERT_TRUE(EventuallyPhase("app", HealthEventPhase::kResolved));
}

TEST_F(RemediationChainTest, ARebootSupersedesAPendingGpuResetOnTheNode) {
  StartController();
  CreateEvent({.name = "reset", .gpu = "1", .action = kube::RecommendedAction::kComponentReset});
  ASSERT_TRUE(Eventually([&] { return Event("reset").remediation().has_value(); }));
  EXPECT_THAT(Names(kube::GpuResetsResource()), ElementsAre("reset-gpu-reset"));

  CreateEvent({.name = "reboot", .gpu = "2"});
  ASSERT_TRUE(Eventually([&] {
    std::optional<kube::RemediationRef> adopted = Event("reset").remediation();
    return adopted && adopted->kind == "RebootNode";
  }));
  EXPECT_EQ(Event("reset").remediation()->name, "reboot-reboot");
  EXPECT_EQ(ConditionReason(Event("reset"), kRemediatedCondition), kReasonSuperseded);
  EXPECT_THAT(Names(kube::GpuResetsResource()), IsEmpty()) << "the pending reset is deleted";
  EXPECT_THAT(Names(kube::RebootNodesResource()), ElementsAre("reboot-reboot"));

  ActAsJanitor("RebootNode", "reboot-reboot");
  ASSERT_TRUE(EventuallyPhase("reset", HealthEventPhase::kRemediated));
  ASSERT_TRUE(EventuallyPhase("reboot", HealthEventPhase::kRemediated));
  MarkHealthy("reset");
  ASSERT_TRUE(EventuallyPhase("reset", HealthEventPhase::kResolved));
  EXPECT_TRUE(Node("gpu-node-0").unschedulable()) << "the reboot's own event still holds it";
  MarkHealthy("reboot");
  ASSERT_TRUE(EventuallyPhase("reboot", HealthEventPhase::kResolved));
  ExpectReleased("gpu-node-0");
}

TEST_F(RemediationChainTest, TheFifthFaultOnOneGpuEscalatesToSupport) {
  // Four earlier faults on GPU-0000-3, all dealt with.
  for (int i = 0; i < 4; ++i) {
    const std::string name = "earlier-" + std::to_string(i);
    CreateEvent({.name = name});
    SetPhase(name, HealthEventPhase::kResolved);
  }
  StartController();
  CreateEvent({.name = "fifth"});
  ASSERT_TRUE(EventuallyConditionReason("fifth", kRemediatedCondition, kReasonEscalated));
  const kube::HealthEvent event = Event("fifth");
  EXPECT_EQ(event.phase(), HealthEventPhase::kDrained);
  EXPECT_EQ(event.status_reason(), kReasonEscalated);
  EXPECT_THAT(event.status_message(), HasSubstr("5 fatal events on GPU gpu-0000-3 within 24h"));
  EXPECT_THAT(event.status_message(), HasSubstr("CONTACT_SUPPORT instead of another RebootNode"));
  EXPECT_THAT(Names(kube::RebootNodesResource()), IsEmpty());
  EXPECT_TRUE(Eventually([&] { return Has(EventReasons("Node", "gpu-node-0"), "Escalated"); }));

  // A fault on another GPU of the node is not escalated.
  CreateEvent({.name = "other-gpu", .gpu = "4"});
  ASSERT_TRUE(Eventually([&] { return Event("other-gpu").remediation().has_value(); }));

  Approve("fifth");
  ASSERT_TRUE(EventuallyPhase("fifth", HealthEventPhase::kRemediated));
  EXPECT_THAT(kube::FindCondition(Event("fifth").conditions(), kRemediatedCondition)->message,
              HasSubstr("5 fatal events"));
}

TEST_F(RemediationChainTest, ANodeCordonedBySomeoneElseStaysCordonedAfterRecovery) {
  ASSERT_TRUE(client_
                  ->Patch(kNodes.WithName("gpu-node-2"), kube::PatchType::kMerge,
                          {{"spec", {{"unschedulable", true}}}})
                  .ok());
  StartController();
  CreateEvent({.name = "theirs", .node = "gpu-node-2"});
  ASSERT_TRUE(Eventually([&] { return Event("theirs").remediation().has_value(); }));
  ActAsJanitor("RebootNode", "theirs-reboot");
  MarkHealthy("theirs");
  ASSERT_TRUE(EventuallyPhase("theirs", HealthEventPhase::kResolved));
  ExpectReleased("gpu-node-2", /*still_cordoned=*/true);
}

TEST_F(RemediationChainTest, ANewerFaultKeepsTheNodeQuarantinedWhenAnOlderOneRecovers) {
  StartController();
  CreateEvent({.name = "older", .gpu = "1"});
  ASSERT_TRUE(Eventually([&] { return Event("older").remediation().has_value(); }));
  ActAsJanitor("RebootNode", "older-reboot");
  ASSERT_TRUE(EventuallyPhase("older", HealthEventPhase::kRemediated));

  CreateEvent({.name = "newer", .gpu = "6"});
  ASSERT_TRUE(EventuallyPhase("newer", HealthEventPhase::kDrained));
  MarkHealthy("older");
  ASSERT_TRUE(EventuallyPhase("older", HealthEventPhase::kResolved));
  EXPECT_EQ(ConditionReason(Event("older"), kResolvedCondition), kReasonNodeHeld);
  const kube::Node node = Node("gpu-node-0");
  EXPECT_TRUE(node.unschedulable());
  EXPECT_TRUE(node.HasTaint("nvidia.com/gpu-error", "NoSchedule"));
  EXPECT_THAT(QuarantineRecord::FromNode(node).events, ElementsAre("newer"));
  ASSERT_TRUE(node.FindCondition("SysLogsXIDError").has_value());
  EXPECT_TRUE(node.FindCondition("SysLogsXIDError")->IsTrue());

  // The newer fault made its own reboot: the older one's was done before it drained.
  ASSERT_TRUE(Eventually([&] { return Event("newer").remediation().has_value(); }));
  EXPECT_EQ(Event("newer").remediation()->name, "newer-reboot");
  ActAsJanitor("RebootNode", "newer-reboot");
  MarkHealthy("newer");
  ASSERT_TRUE(EventuallyPhase("newer", HealthEventPhase::kResolved));
  ExpectReleased("gpu-node-0");
}

}  // namespace
}  // namespace nvsx::controller::testing
