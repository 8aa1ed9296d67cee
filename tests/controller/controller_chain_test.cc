// The HealthEvent controller chain against the embedded API server: a fatal
// XID 79 event goes New -> Quarantined -> Drained, honouring budgets, sparing
// DaemonSet and other-GPU pods, surviving a restart without evicting twice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "controller/names.h"
#include "controller/quarantine_record.h"
#include "controller_fixture.h"

namespace nvsx::controller::testing {
namespace {

using kube::HealthEventPhase;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::vector<std::string> EvictedNames(const kube::HealthEvent& event) {
  std::vector<std::string> names;
  for (const kube::PodRef& pod : event.evicted_pods()) names.push_back(pod.name);
  return names;
}

TEST_F(ControllerTest, FatalXidEventIsQuarantinedAndDrainedWithEveryPhaseTime) {
  CreatePod({.name = "training-0", .gpus = 1});
  CreatePod({.name = "training-1", .gpus = 2});
  CreatePod({.name = "dcgm-exporter-x", .gpus = 0, .app = "dcgm", .daemonset = true});
  CreatePod({.name = "web-0", .gpus = 0, .app = "web"});  // uses no GPU: a partial drain spares it
  CreatePod({.name = "other-gpu", .gpus = 1, .gpu_devices = "5"});  // was given GPU 5, not 3
  CreatePod({.name = "elsewhere", .node = "gpu-node-1"});
  ASSERT_TRUE(Eventually([&] { return PodRunning("training-0") && PodRunning("training-1"); }));
  StartController();

  CreateEvent({.name = "xid79"});
  ASSERT_TRUE(EventuallyPhase("xid79", HealthEventPhase::kDrained));

  const kube::HealthEvent event = Event("xid79");
  const auto times = event.phase_times();
  EXPECT_TRUE(times.contains(HealthEventPhase::kNew));
  EXPECT_TRUE(times.contains(HealthEventPhase::kQuarantined));
  EXPECT_TRUE(times.contains(HealthEventPhase::kDrained));
  EXPECT_LE(times.at(HealthEventPhase::kNew), times.at(HealthEventPhase::kQuarantined));
  EXPECT_LE(times.at(HealthEventPhase::kQuarantined), times.at(HealthEventPhase::kDrained));
  EXPECT_EQ(event.observed_generation(), event.metadata().generation());
  EXPECT_THAT(EvictedNames(event), UnorderedElementsAre("training-0", "training-1"));

  const kube::Node node = Node("gpu-node-0");
  EXPECT_TRUE(node.unschedulable());
  EXPECT_TRUE(node.HasTaint("nvidia.com/gpu-error", "NoSchedule"));
  std::optional<kube::Condition> condition = node.FindCondition("SysLogsXIDError");
  ASSERT_TRUE(condition.has_value());
  EXPECT_TRUE(condition->IsTrue());
  const QuarantineRecord record = QuarantineRecord::FromNode(node);
  EXPECT_THAT(record.events, UnorderedElementsAre("xid79"));
  EXPECT_TRUE(record.cordoned_by_us);
  EXPECT_TRUE(record.since.has_value());
  EXPECT_THAT(record.taints,
              UnorderedElementsAre("nvidia.com/gpu-error=SysLogsXIDError:NoSchedule"));
  EXPECT_THAT(record.reason, HasSubstr("XID 79"));

  EXPECT_TRUE(Eventually([&] { return !Pod("training-0") && !Pod("training-1"); }));
  EXPECT_TRUE(Pod("dcgm-exporter-x").has_value()) << "DaemonSet pods stay";
  EXPECT_TRUE(Pod("web-0").has_value()) << "pods without GPUs stay on a partial drain";
  EXPECT_TRUE(Pod("other-gpu").has_value()) << "pods on other GPUs stay on a partial drain";
  EXPECT_TRUE(Pod("elsewhere").has_value());
  EXPECT_FALSE(Node("gpu-node-1").unschedulable());

  // Every action is a Kubernetes Event on the node or the HealthEvent.
  EXPECT_TRUE(Eventually([&] {
    const std::vector<std::string> on_event = EventReasons("HealthEvent", "xid79");
    const std::vector<std::string> on_node = EventReasons("Node", "gpu-node-0");
    auto has = [](const std::vector<std::string>& reasons, const char* reason) {
      return std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
    };
    return has(on_node, "NodeQuarantined") && has(on_event, "Quarantined") &&
           has(on_event, "PodEvicted") && has(on_event, "Drained");
  }));
}

TEST_F(ControllerTest, BudgetBlocksTheDrainUntilItIsRelaxed) {
  CreatePod({.name = "inference-0", .app = "inference"});
  CreateBudget("inference", "inference", 1);
  ASSERT_TRUE(Eventually([&] { return PodRunning("inference-0"); }));
  HealthEventController* controller = StartController();

  CreateEvent({.name = "blocked"});
  ASSERT_TRUE(Eventually([&] {
    std::vector<kube::Condition> conditions = Event("blocked").conditions();
    const kube::Condition* drained = kube::FindCondition(conditions, kDrainedCondition);
    return drained != nullptr && drained->message.find("eviction refused") != std::string::npos;
  }));
  EXPECT_EQ(Event("blocked").phase(), HealthEventPhase::kQuarantined);
  EXPECT_TRUE(PodRunning("inference-0"));

  SetBudget("inference", 0);
  ASSERT_TRUE(EventuallyPhase("blocked", HealthEventPhase::kDrained));
  EXPECT_FALSE(Pod("inference-0").has_value());
  EXPECT_THAT(EvictedNames(Event("blocked")), UnorderedElementsAre("inference-0"));
  EXPECT_EQ(controller->evictions(), 1u);
}

TEST_F(ControllerTest, RestartMidDrainEvictsNothingTwiceAndFinishes) {
  // "slow" stays terminating for a while; "inference-0" is held by a budget.
  CreatePod({.name = "slow", .grace_seconds = 3});
  CreatePod({.name = "inference-0", .app = "inference"});
  CreateBudget("inference", "inference", 1);
  ASSERT_TRUE(Eventually([&] { return PodRunning("slow") && PodRunning("inference-0"); }));
  HealthEventController* first = StartController();
  CreateEvent({.name = "restart"});
  ASSERT_TRUE(Eventually([&] {
    kube::HealthEvent event = Event("restart");
    return !event.evicted_pods().empty() &&
           HasConditionReason(event, kDrainedCondition, kReasonDraining);
  }));
  EXPECT_EQ(first->evictions(), 1u);
  StopController(first);

  HealthEventController* second = StartController();
  // Let the new controller see the event, the terminating pod and the budget.
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(second->evictions(), 0u) << "the pod evicted before the restart is not evicted again";
  SetBudget("inference", 0);
  ASSERT_TRUE(EventuallyPhase("restart", HealthEventPhase::kDrained));
  EXPECT_EQ(second->evictions(), 1u);
  EXPECT_THAT(EvictedNames(Event("restart")), UnorderedElementsAre("slow", "inference-0"));
}

TEST_F(ControllerTest, DrainStuckPastItsTimeoutFailsNamingTheBlockingPod) {
  CreatePod({.name = "inference-0", .app = "inference"});
  CreateBudget("inference", "inference", 1);
  ASSERT_TRUE(Eventually([&] { return PodRunning("inference-0"); }));
  HealthEventControllerOptions options = FastOptions();
  options.drain.timeout = absl::Seconds(1);
  StartController(options);

  CreateEvent({.name = "stuck"});
  ASSERT_TRUE(EventuallyPhase("stuck", HealthEventPhase::kFailed));
  const kube::HealthEvent event = Event("stuck");
  EXPECT_EQ(event.status_reason(), kReasonDrainTimeout);
  EXPECT_THAT(event.status_message(), HasSubstr("workloads/inference-0 (eviction refused"));
  EXPECT_TRUE(event.PhaseTime(HealthEventPhase::kFailed).has_value());
  EXPECT_TRUE(PodRunning("inference-0"));
}

TEST_F(ControllerTest, NodeCordonedBySomeoneElseIsRecordedAsTheirs) {
  ASSERT_TRUE(client_
                  ->Patch(kNodes.WithName("gpu-node-2"), kube::PatchType::kMerge,
                          {{"spec", {{"unschedulable", true}}}})
                  .ok());
  StartController();
  CreateEvent({.name = "precordoned", .node = "gpu-node-2"});
  ASSERT_TRUE(EventuallyPhase("precordoned", HealthEventPhase::kDrained));
  const kube::Node node = Node("gpu-node-2");
  EXPECT_TRUE(node.unschedulable());
  EXPECT_EQ(node.metadata().Annotation(kCordonedByAnnotation), std::string(kCordonedByOther));
  EXPECT_FALSE(QuarantineRecord::FromNode(node).cordoned_by_us);
}

TEST_F(ControllerTest, DryRunRecordsTheDecisionAndChangesNoNode) {
  CreatePod({.name = "training-0"});
  ASSERT_TRUE(Eventually([&] { return PodRunning("training-0"); }));
  const kube::Node before = Node("gpu-node-0");
  HealthEventControllerOptions options = FastOptions();
  options.quarantine.dry_run = true;
  HealthEventController* controller = StartController(options);

  CreateEvent({.name = "dry"});
  ASSERT_TRUE(EventuallyConditionReason("dry", kQuarantinedCondition, kReasonDryRun));
  const kube::HealthEvent event = Event("dry");
  EXPECT_EQ(event.phase(), HealthEventPhase::kNew);
  EXPECT_THAT(kube::FindCondition(event.conditions(), kQuarantinedCondition)->message,
              HasSubstr("would cordon node gpu-node-0"));
  const kube::Node after = Node("gpu-node-0");
  EXPECT_FALSE(after.unschedulable());
  EXPECT_TRUE(after.taints().empty());
  EXPECT_FALSE(after.FindCondition("SysLogsXIDError").has_value());
  EXPECT_EQ(after.metadata().annotations(), before.metadata().annotations());
  EXPECT_TRUE(PodRunning("training-0"));
  EXPECT_EQ(controller->evictions(), 0u);
}

TEST_F(ControllerTest, OptOutLabelCancelsTheEvent) {
  ASSERT_TRUE(client_
                  ->Patch(kNodes.WithName("gpu-node-1"), kube::PatchType::kMerge,
                          {{"metadata", {{"labels", {{kQuarantineOptOutLabel, "disabled"}}}}}})
                  .ok());
  StartController();
  CreateEvent({.name = "optout", .node = "gpu-node-1"});
  ASSERT_TRUE(EventuallyPhase("optout", HealthEventPhase::kCancelled));
  EXPECT_EQ(Event("optout").status_reason(), kReasonOptOut);
  EXPECT_FALSE(Node("gpu-node-1").unschedulable());
}

TEST_F(ControllerTest, StoreOnlyAndHealthyEventsChangeNothing) {
  StartController();
  CreateEvent({.name = "stored", .strategy = kube::ProcessingStrategy::kStoreOnly});
  CreateEvent({.name = "healthy", .node = "gpu-node-1", .healthy = true});
  ASSERT_TRUE(EventuallyConditionReason("stored", kQuarantinedCondition, kReasonStoreOnly));
  ASSERT_TRUE(EventuallyConditionReason("healthy", kQuarantinedCondition, kReasonHealthySignal));
  EXPECT_EQ(Event("stored").phase(), HealthEventPhase::kNew);
  EXPECT_TRUE(Event("stored").PhaseTime(HealthEventPhase::kNew).has_value());
  EXPECT_EQ(Event("healthy").phase(), HealthEventPhase::kNew);
  for (const char* name : {"gpu-node-0", "gpu-node-1"}) {
    const kube::Node node = Node(name);
    EXPECT_FALSE(node.unschedulable()) << name;
    EXPECT_TRUE(node.taints().empty()) << name;
    EXPECT_FALSE(QuarantineRecord::FromNode(node).present) << name;
  }
}

TEST_F(ControllerTest, ANonFatalEventIsHeldThenResolvedWhenTheGpuRecovers) {
  StartController();
  CreateEvent({.name = "warm", .node = "gpu-node-1", .check = "GpuThermalWatch", .fatal = false});
  ASSERT_TRUE(EventuallyConditionReason("warm", kQuarantinedCondition, kReasonNotFatal));
  EXPECT_EQ(Event("warm").phase(), HealthEventPhase::kNew);
  MarkHealthy("warm");
  ASSERT_TRUE(EventuallyPhase("warm", HealthEventPhase::kResolved));
  const kube::HealthEvent event = Event("warm");
  EXPECT_EQ(event.status_reason(), kReasonFaultCleared);
  const std::optional<absl::Time> held = event.PhaseTime(HealthEventPhase::kNew);
  const std::optional<absl::Time> resolved = event.PhaseTime(HealthEventPhase::kResolved);
  ASSERT_TRUE(held.has_value() && resolved.has_value());
  EXPECT_LE(*held, *resolved);
  EXPECT_FALSE(event.PhaseTime(HealthEventPhase::kQuarantined).has_value());
  const kube::Node node = Node("gpu-node-1");
  EXPECT_FALSE(node.unschedulable());
  EXPECT_TRUE(node.taints().empty());
  EXPECT_FALSE(QuarantineRecord::FromNode(node).present);
}

TEST_F(ControllerTest, BreakerHoldsQuarantinesAtTheLimitAndRechecksWhenItResets) {
  // Four GPU nodes at 50 %: two quarantines in the window, then the breaker holds.
  StartController();
  CreateEvent({.name = "first", .node = "gpu-node-0"});
  CreateEvent({.name = "second", .node = "gpu-node-1"});
  ASSERT_TRUE(EventuallyPhase("first", HealthEventPhase::kDrained));
  ASSERT_TRUE(EventuallyPhase("second", HealthEventPhase::kDrained));
  CreateEvent({.name = "third", .node = "gpu-node-2"});
  CreateEvent({.name = "fourth", .node = "gpu-node-3"});
  ASSERT_TRUE(EventuallyConditionReason("third", kQuarantinedCondition, kReasonBreakerTripped));
  ASSERT_TRUE(EventuallyConditionReason("fourth", kQuarantinedCondition, kReasonBreakerTripped));
  EXPECT_EQ(Event("third").phase(), HealthEventPhase::kNew);
  EXPECT_FALSE(Node("gpu-node-2").unschedulable());

  // The fault behind "fourth" clears while it waits: it must not be replayed.
  ASSERT_TRUE(client_
                  ->Patch(kube::HealthEventsResource().WithName("fourth"), kube::PatchType::kMerge,
                          {{"spec", {{"isHealthy", true}}}})
                  .ok());
  ASSERT_TRUE(EventuallyPhase("fourth", HealthEventPhase::kCancelled));
  EXPECT_EQ(Event("fourth").status_reason(), kReasonFaultCleared);

  // gpu-node-0 leaves quarantine (as recovery will do): the breaker resets
  // and the waiting event, still unhealthy, is quarantined.
  ASSERT_TRUE(client_
                  ->Patch(kNodes.WithName("gpu-node-0"), kube::PatchType::kMerge,
                          {{"metadata",
                            {{"annotations",
                              {{kQuarantinedByAnnotation, nullptr},
                               {kQuarantinedAtAnnotation, nullptr},
                               {kCordonedByAnnotation, nullptr},
                               {kQuarantineTaintsAnnotation, nullptr},
                               {kQuarantineReasonAnnotation, nullptr}}}}},
                           {"spec", {{"unschedulable", nullptr}}}})
                  .ok());
  ASSERT_TRUE(EventuallyPhase("third", HealthEventPhase::kDrained));
  EXPECT_TRUE(Node("gpu-node-2").unschedulable());
  EXPECT_FALSE(Node("gpu-node-3").unschedulable());
}

TEST_F(ControllerTest, ABurstQuarantinesEveryNodeBeforeDrainingAny) {
  // Four faults wait before the controller starts; its one worker finds
  // them all queued, so none is drained before every node is quarantined.
  const std::vector<std::string> nodes = {"gpu-node-0", "gpu-node-1", "gpu-node-2", "gpu-node-3"};
  for (const std::string& node : nodes) CreateEvent({.name = "burst-" + node, .node = node});
  HealthEventControllerOptions options = FastOptions();
  options.loop.workers = 1;
  options.breaker.max_share = 1.0;
  StartController(options);

  absl::Time last_quarantined = absl::InfinitePast();
  absl::Time first_drained = absl::InfiniteFuture();
  for (const std::string& node : nodes) {
    ASSERT_TRUE(EventuallyPhase("burst-" + node, HealthEventPhase::kDrained));
    const kube::HealthEvent event = Event("burst-" + node);
    last_quarantined = std::max(last_quarantined, *event.PhaseTime(HealthEventPhase::kQuarantined));
    first_drained = std::min(first_drained, *event.PhaseTime(HealthEventPhase::kDrained));
    EXPECT_TRUE(Node(node).unschedulable());
  }
  EXPECT_LE(last_quarantined, first_drained);
}

}  // namespace
}  // namespace nvsx::controller::testing
