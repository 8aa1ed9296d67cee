// The later controllers' pure decisions, without a cluster: remediation by
// recommended action, repeat-fault escalation, object names, recovery, the
// node release patch, and the TTL policy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/names.h"
#include "controller/quarantine_record.h"
#include "controller/recovery_decision.h"
#include "controller/remediation_decision.h"
#include "controller/ttl_policy.h"
#include "core/time_format.h"

namespace nvsx::controller {
namespace {

using kube::HealthEventPhase;
using kube::RecommendedAction;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

struct Fault {
  std::string name = "e1";
  std::string node = "n1";
  std::string uuid = "GPU-ABC";
  absl::Time at = kT0;
  bool fatal = true;
  bool healthy = false;
  std::string phase;  // empty: none
  std::string strategy;
  std::string check = "SysLogsXIDError";
};

kube::ObjectPtr EventObject(const Fault& fault) {
  json spec = {{"nodeName", fault.node},
               {"agent", "health-provider"},
               {"checkName", fault.check},
               {"isFatal", fault.fatal},
               {"isHealthy", fault.healthy},
               {"generatedTimestamp", core::FormatTimestampMillis(fault.at)},
               {"entitiesImpacted",
                {{{"entityType", "GPU"}, {"entityValue", "3"}},
                 {{"entityType", "GPU_UUID"}, {"entityValue", fault.uuid}}}}};
  if (!fault.strategy.empty()) spec["processingStrategy"] = fault.strategy;
  json object = {{"metadata", {{"name", fault.name}}}, {"spec", spec}};
  if (!fault.phase.empty()) object["status"] = {{"phase", fault.phase}};
  return std::make_shared<const json>(std::move(object));
}

TEST(RemediationForTest, MapsEveryRecommendedAction) {
  EXPECT_EQ(RemediationFor(RecommendedAction::kRestartVm), RemediationKind::kRebootNode);
  EXPECT_EQ(RemediationFor(RecommendedAction::kRestartBm), RemediationKind::kRebootNode);
  EXPECT_EQ(RemediationFor(RecommendedAction::kReplaceVm), RemediationKind::kRebootNode);
  EXPECT_EQ(RemediationFor(RecommendedAction::kComponentReset), RemediationKind::kGpuReset);
  EXPECT_EQ(RemediationFor(RecommendedAction::kContactSupport), RemediationKind::kManual);
  EXPECT_EQ(RemediationFor(RecommendedAction::kRunFieldDiag), RemediationKind::kManual);
  EXPECT_EQ(RemediationFor(RecommendedAction::kRunDcgmEud), RemediationKind::kManual);
  EXPECT_EQ(RemediationFor(RecommendedAction::kUnknown), RemediationKind::kManual);
  EXPECT_EQ(RemediationFor(RecommendedAction::kNone), RemediationKind::kNone);
  EXPECT_EQ(RemediationFor(RecommendedAction::kRestartApp), RemediationKind::kNone);
}

TEST(EscalationTest, TheFifthFatalFaultOnOneGpuWithinTheWindowEscalates) {
  std::vector<kube::ObjectPtr> events;
  for (int i = 0; i < 5; ++i) {
    events.push_back(EventObject(
        {.name = "f" + std::to_string(i), .at = kT0 + absl::Hours(i), .phase = "Resolved"}));
  }
  // Not counted: another GPU, not fatal, STORE_ONLY, older than the window.
  events.push_back(EventObject({.name = "other", .uuid = "GPU-DEF", .at = kT0}));
  events.push_back(EventObject({.name = "warn", .at = kT0, .fatal = false}));
  events.push_back(EventObject({.name = "stored", .at = kT0, .strategy = "STORE_ONLY"}));
  events.push_back(EventObject({.name = "ancient", .at = kT0 - absl::Hours(30)}));
  const EscalationOptions options;  // 5 in 24h

  const EscalationVerdict fourth = CountRepeatFaults(kube::HealthEvent(events[3]), events, options);
  EXPECT_FALSE(fourth.escalate);
  EXPECT_EQ(fourth.count, 4);
  const EscalationVerdict fifth = CountRepeatFaults(kube::HealthEvent(events[4]), events, options);
  EXPECT_TRUE(fifth.escalate);
  EXPECT_EQ(fifth.count, 5);
  EXPECT_EQ(fifth.gpu, "gpu-abc");
  // Later faults never change an earlier event's verdict.
  events.push_back(EventObject({.name = "later", .at = kT0 + absl::Hours(10)}));
  EXPECT_FALSE(CountRepeatFaults(kube::HealthEvent(events[3]), events, options).escalate);
  // Outside the window: f0 is 25h before this one.
  const EscalationVerdict spread = CountRepeatFaults(
      kube::HealthEvent(EventObject({.name = "f9", .at = kT0 + absl::Hours(25)})), events, options);
  EXPECT_EQ(spread.count, 6) << "f1..f4, later and itself; not f0";
}

TEST(RemediationObjectNameTest, DerivesFromTheEventAndFitsAnObjectName) {
  EXPECT_EQ(RemediationObjectName("node-1-gpu3-abc", "reboot"), "node-1-gpu3-abc-reboot");
  const std::string long_name(260, 'a');
  const std::string shortened = RemediationObjectName(long_name, "reboot");
  EXPECT_LE(shortened.size(), 253u);
  EXPECT_EQ(shortened, RemediationObjectName(long_name, "reboot"));
  EXPECT_TRUE(shortened.ends_with("-reboot"));
}

json ReadyNode(absl::Time ready_since, bool ready = true) {
  return {
      {"metadata",
       {{"name", "n1"},
        {"resourceVersion", "9"},
        {"annotations",
         {{kQuarantinedByAnnotation, "e1,e2"},
          {kQuarantinedAtAnnotation, "2026-01-01T00:00:00.000Z"},
          {kCordonedByAnnotation, kCordonedByUs},
          {kQuarantineTaintsAnnotation, "nvidia.com/gpu-error=SysLogsXIDError:NoSchedule"},
          {kQuarantineReasonAnnotation, "XID 79"}}}}},
      {"spec",
       {{"unschedulable", true},
        {"taints",
         {{{"key", "nvidia.com/gpu-error"}, {"value", "SysLogsXIDError"}, {"effect", "NoSchedule"}},
          {{"key", "theirs"}, {"effect", "NoExecute"}}}}}},
      {"status",
       {{"conditions",
         {{{"type", "Ready"},
           {"status", ready ? "True" : "Unknown"},
           {"lastTransitionTime", core::FormatTimestamp(ready_since)}},
          {{"type", "SysLogsXIDError"}, {"status", "True"}, {"reason", "HealthEventFault"}}}}}}};
}

TEST(RecoveryDecisionTest, WaitsForReadyAfterTheRebootAndAHealthySignal) {
  const kube::Node before_reboot(ReadyNode(kT0 - absl::Minutes(5)));
  const kube::Node rebooted(ReadyNode(kT0 + absl::Minutes(2)));
  const kube::HealthEvent open(EventObject({.phase = "Remediated"}));
  const kube::HealthEvent healthy(EventObject({.healthy = true, .phase = "Remediated"}));
  RecoveryInputs inputs;
  inputs.reboot_started = kT0;

  inputs.node = &before_reboot;
  EXPECT_THAT(DecideRecovery(healthy, inputs).message, HasSubstr("to come back from its reboot"));
  inputs.node = &rebooted;
  const RecoveryDecision waiting = DecideRecovery(open, inputs);
  EXPECT_FALSE(waiting.resolve);
  EXPECT_THAT(waiting.message, HasSubstr("waiting for the GPU to report healthy"));
  const RecoveryDecision resolved = DecideRecovery(healthy, inputs);
  EXPECT_TRUE(resolved.resolve);
  EXPECT_TRUE(resolved.release_node);
  EXPECT_EQ(resolved.reason, kReasonRecovered);

  // A newer healthy event of the same check is the signal too; an older one is not.
  inputs.node_events = {EventObject({.name = "older", .at = kT0 - absl::Hours(1), .healthy = true}),
                        EventObject({.name = "e1", .phase = "Remediated"})};
  EXPECT_FALSE(DecideRecovery(open, inputs).resolve);
  inputs.node_events.push_back(
      EventObject({.name = "newer", .at = kT0 + absl::Hours(1), .healthy = true}));
  EXPECT_TRUE(DecideRecovery(open, inputs).resolve);
}

TEST(RecoveryDecisionTest, OtherOpenFaultsHoldTheNode) {
  const kube::Node node(ReadyNode(kT0));
  const kube::HealthEvent event(EventObject({.healthy = true, .phase = "Remediated"}));
  RecoveryInputs inputs;
  inputs.node = &node;
  inputs.node_events = {EventObject({.name = "done", .phase = "Resolved"}),
                        EventObject({.name = "warning", .fatal = false}),
                        EventObject({.name = "stored", .strategy = "STORE_ONLY"})};
  EXPECT_TRUE(DecideRecovery(event, inputs).release_node);
  inputs.node_events.push_back(EventObject({.name = "fresh"}));  // New and fatal
  inputs.node_events.push_back(EventObject({.name = "draining", .phase = "Quarantined"}));
  const RecoveryDecision held = DecideRecovery(event, inputs);
  EXPECT_TRUE(held.resolve);
  EXPECT_FALSE(held.release_node);
  EXPECT_EQ(held.reason, kReasonNodeHeld);
  EXPECT_THAT(held.holders, ElementsAre("fresh", "draining"));
}

TEST(RecoveryDecisionTest, WithoutARemediationObjectAClearedNodeConditionIsHealthy) {
  json cleared = ReadyNode(kT0);
  cleared["status"]["conditions"][1]["status"] = "False";
  const kube::Node node(cleared);
  RecoveryInputs inputs;
  inputs.node = &node;
  EXPECT_TRUE(
      DecideRecovery(kube::HealthEvent(EventObject({.phase = "Remediated"})), inputs).resolve);
}

TEST(ReleasePatchTest, UndoesOnlyWhatWeDidAndOnlyWhenNoOneElseHoldsTheNode) {
  const kube::Node node(ReadyNode(kT0));
  std::optional<kube::ObjectPatch> partial = ReleasePatch(node, "e1", /*release=*/false);
  ASSERT_TRUE(partial.has_value());
  EXPECT_EQ(partial->body["metadata"]["annotations"][std::string(kQuarantinedByAnnotation)], "e2");
  EXPECT_FALSE(partial->body.contains("spec"));
  EXPECT_FALSE(ReleasePatch(node, "e9", false).has_value());

  std::optional<kube::ObjectPatch> full = ReleasePatch(node, "e1", /*release=*/true);
  ASSERT_TRUE(full.has_value());
  EXPECT_TRUE(full->body["spec"]["unschedulable"].is_null());
  ASSERT_EQ(full->body["spec"]["taints"].size(), 1u);
  EXPECT_EQ(full->body["spec"]["taints"][0]["key"], "theirs");
  EXPECT_TRUE(full->body["metadata"]["annotations"][std::string(kCordonedByAnnotation)].is_null());
  EXPECT_EQ(full->body["metadata"]["resourceVersion"], "9");

  json external = ReadyNode(kT0);
  external["metadata"]["annotations"][std::string(kCordonedByAnnotation)] = kCordonedByOther;
  std::optional<kube::ObjectPatch> theirs = ReleasePatch(kube::Node(external), "e1", true);
  ASSERT_TRUE(theirs.has_value());
  EXPECT_FALSE(theirs->body["spec"].contains("unschedulable")) << "their cordon stays";
}

TEST(TtlPolicyTest, TheMostSpecificRuleWins) {
  absl::StatusOr<TtlPolicy> policy = ParseTtlPolicy({{"Resolved", "24h"},
                                                     {"Failed", "7d"},
                                                     {"check.GpuXidError", "1h"},
                                                     {"check.GpuXidError.Failed", "never"}},
                                                    "ConfigMap nvsentinel/nvsentinel-ttl");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->For("Other", HealthEventPhase::kResolved), absl::Hours(24));
  EXPECT_EQ(policy->For("Other", HealthEventPhase::kFailed), absl::Hours(168));
  EXPECT_EQ(policy->For("Other", HealthEventPhase::kCancelled), absl::Hours(168)) << "default";
  EXPECT_EQ(policy->For("GpuXidError", HealthEventPhase::kResolved), absl::Hours(1));
  EXPECT_EQ(policy->For("GpuXidError", HealthEventPhase::kFailed), std::nullopt);
  EXPECT_EQ(TtlPolicy::Defaults().For("Any", HealthEventPhase::kFailed), std::nullopt);
}

TEST(TtlPolicyTest, BadKeysAndValuesNameTheKeyAndTheFix) {
  absl::StatusOr<TtlPolicy> bad_value = ParseTtlPolicy({{"Resolved", "1 day"}}, "ConfigMap x/y");
  ASSERT_FALSE(bad_value.ok());
  EXPECT_THAT(bad_value.status().message(),
              HasSubstr("ConfigMap x/y: key \"Resolved\": \"1 day\" is not a time to keep events; "
                        "write a duration such as 24h, 90m or 7d, 0 to delete at once, or never"));
  absl::StatusOr<TtlPolicy> bad_key = ParseTtlPolicy({{"Resolvd", "1h"}}, "ConfigMap x/y");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_THAT(bad_key.status().message(),
              HasSubstr("key \"Resolvd\" is not a terminal phase (Resolved, Failed, Cancelled)"));
  EXPECT_FALSE(ParseTtlPolicy({{"Quarantined", "1h"}}, "c").ok()) << "not a terminal phase";
  EXPECT_FALSE(ParseTtlPolicy({{"Resolved", "-1h"}}, "c").ok());
}

TEST(TtlPolicyTest, ExpiryCountsFromTheTerminalPhase) {
  json object = *EventObject({});
  object["status"] = {{"phase", "Resolved"},
                      {"phaseTimes", {{"Resolved", core::FormatTimestampMillis(kT0)}}}};
  const kube::HealthEvent resolved(object);
  EXPECT_EQ(TtlExpiry(TtlPolicy::Defaults(), resolved), kT0 + absl::Hours(168));
  EXPECT_EQ(TtlExpiry(TtlPolicy::Defaults(), kube::HealthEvent(EventObject({.phase = "Drained"}))),
            std::nullopt);
}

}  // namespace
}  // namespace nvsx::controller
