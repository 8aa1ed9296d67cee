// The typed views over realistic and malformed JSON (no server).
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "kube/types/event.h"
#include "kube/types/gpu_reset.h"
#include "kube/types/health_event.h"
#include "kube/types/lease.h"
#include "kube/types/node.h"
#include "kube/types/object_meta.h"
#include "kube/types/pod.h"
#include "kube/types/reboot_node.h"

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

absl::Time At(const char* stamp) { return *ParseTimestamp(stamp); }

const json kNode = json::parse(R"json({
  "apiVersion": "v1", "kind": "Node",
  "metadata": {
    "name": "gpu-node-3", "uid": "5b0c", "resourceVersion": "812", "generation": 4,
    "creationTimestamp": "2026-01-02T03:04:05Z",
    "labels": {"nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
               "kubernetes.io/hostname": "gpu-node-3"},
    "annotations": {"nvsentinel.nvidia.com/quarantined-by": "hev-1"}
  },
  "spec": {
    "providerID": "sim://gpu-node-3",
    "unschedulable": true,
    "taints": [
      {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": "2026-01-02T04:00:00Z"},
      {"key": "nvidia.com/gpu-fault", "value": "xid-79", "effect": "NoExecute"}
    ]
  },
  "status": {
    "capacity": {"cpu": "96", "nvidia.com/gpu": "8"},
    "allocatable": {"cpu": "95", "nvidia.com/gpu": "7"},
    "conditions": [
      {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "ok",
       "lastHeartbeatTime": "2026-01-02T05:00:00Z", "lastTransitionTime": "2026-01-02T03:05:00Z"},
      {"type": "GpuPcieWatch", "status": "False", "reason": "NoFault"}
    ]
  }
})json");

TEST(NodeViewTest, ReadsEveryField) {
  const Node node(kNode);
  EXPECT_EQ(node.metadata().name(), "gpu-node-3");
  EXPECT_EQ(node.metadata().resource_version(), "812");
  EXPECT_EQ(node.metadata().generation(), 4);
  EXPECT_EQ(node.metadata().creation_timestamp(), At("2026-01-02T03:04:05Z"));
  EXPECT_EQ(node.metadata().Annotation("nvsentinel.nvidia.com/quarantined-by"), "hev-1");
  EXPECT_FALSE(node.metadata().deletion_timestamp().has_value());
  EXPECT_TRUE(node.unschedulable());
  EXPECT_EQ(node.provider_id(), "sim://gpu-node-3");
  ASSERT_EQ(node.taints().size(), 2u);
  EXPECT_EQ(node.taints()[0].time_added, At("2026-01-02T04:00:00Z"));
  EXPECT_EQ(node.taints()[1], (Taint{"nvidia.com/gpu-fault", "xid-79", "NoExecute", std::nullopt}));
  EXPECT_TRUE(node.HasTaint("nvidia.com/gpu-fault"));
  EXPECT_TRUE(node.HasTaint("nvidia.com/gpu-fault", "NoExecute"));
  EXPECT_FALSE(node.HasTaint("nvidia.com/gpu-fault", "NoSchedule"));
  EXPECT_TRUE(node.Ready());
  std::optional<Condition> pcie = node.FindCondition("GpuPcieWatch");
  ASSERT_TRUE(pcie.has_value());
  EXPECT_EQ(pcie->status, ConditionStatus::kFalse);
  EXPECT_EQ(pcie->reason, "NoFault");
  EXPECT_EQ(node.conditions()[0].last_heartbeat_time, At("2026-01-02T05:00:00Z"));
  EXPECT_EQ(node.CapacityGpus(), 8);
  EXPECT_EQ(node.AllocatableGpus(), 7);
  EXPECT_TRUE(node.GpuPresent());
  EXPECT_EQ(node.GpuProduct(), "NVIDIA-H100-80GB-HBM3");
  EXPECT_TRUE(node.Validate().ok()) << node.Validate();
}

TEST(NodeViewTest, MalformedFieldsReadAsAbsentAndValidateNamesThem) {
  json bad = kNode;
  bad["spec"]["unschedulable"] = "yes";
  const Node node(bad);
  EXPECT_FALSE(node.unschedulable());
  absl::Status status = node.Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "Node \"gpu-node-3\": spec.unschedulable must be a boolean, not a string");

  bad = kNode;
  bad["spec"]["taints"][1]["effect"] = "Sometimes";
  bad["spec"]["taints"].push_back(42);
  EXPECT_EQ(Node(bad).taints().size(), 2u);  // the number is skipped
  EXPECT_NE(Node(bad).Validate().message().find("spec.taints[1].effect is \"Sometimes\""),
            std::string::npos)
      << Node(bad).Validate();

  bad = kNode;
  bad["status"]["allocatable"]["nvidia.com/gpu"] = "lots";
  bad["status"]["conditions"] = "Ready";
  bad["metadata"]["labels"] = {{"nvidia.com/gpu.present", true}};
  const Node worse(bad);
  EXPECT_EQ(worse.AllocatableGpus(), 0);
  EXPECT_FALSE(worse.Ready());
  EXPECT_TRUE(worse.conditions().empty());
  EXPECT_FALSE(worse.GpuPresent());
  EXPECT_NE(worse.Validate().message().find("metadata.labels[\"nvidia.com/gpu.present\"] must be "
                                            "a string, not a boolean"),
            std::string::npos)
      << worse.Validate();

  // Not even an object: every accessor still answers.
  const json scalar = 7;
  const Node nothing(scalar);
  EXPECT_EQ(nothing.metadata().name(), "");
  EXPECT_TRUE(nothing.taints().empty());
  EXPECT_TRUE(nothing.Validate().ok());  // nothing present is wrongly typed
}

TEST(LabelValueTest, AcceptsWhatKubernetesAcceptsAndNothingElse) {
  for (const char* good : {"a", "GpuPcieWatch", "gpu-node-1", "v1.2_3", "A9"}) {
    EXPECT_TRUE(IsLabelValue(good)) << good;
  }
  for (const std::string& bad :
       std::vector<std::string>{"", "-a", "a-", ".a", "a b", "a/b", "é", std::string(64, 'a')}) {
    EXPECT_FALSE(IsLabelValue(bad)) << bad;
  }
  EXPECT_TRUE(IsLabelValue(std::string(63, 'a')));
}

TEST(ObjectViewTest, SharedOwnershipOutlivesTheSource) {
  auto owned = std::make_shared<const json>(kNode);
  const Node node(owned);
  owned.reset();
  EXPECT_EQ(node.metadata().name(), "gpu-node-3");
  const Node copy = node;
  EXPECT_EQ(&copy.object(), &node.object());  // copies share, never deep-copy

  const Node from_temporary{json(kNode)};  // owned, so it cannot dangle
  EXPECT_EQ(from_temporary.metadata().name(), "gpu-node-3");
  EXPECT_NE(&from_temporary.object(), &kNode);
  const Node borrowed(kNode);
  EXPECT_EQ(&borrowed.object(), &kNode);
}

TEST(PodViewTest, ReadsDrainRelevantFields) {
  const json pod_json = json::parse(R"json({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "dcgm-exporter-x", "namespace": "gpu-operator",
                 "deletionTimestamp": "2026-01-02T06:00:00Z",
                 "annotations": {"kubernetes.io/config.mirror": "abc"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet",
                                      "name": "dcgm-exporter", "uid": "u1", "controller": true}]},
    "spec": {"nodeName": "gpu-node-3", "terminationGracePeriodSeconds": 45,
             "containers": [
               {"name": "train", "resources": {"limits": {"nvidia.com/gpu": "4"},
                                               "requests": {"nvidia.com/gpu": "4"}}},
               {"name": "sidecar", "resources": {"limits": {"nvidia.com/gpu": 1}}},
               {"name": "plain"}]},
    "status": {"phase": "Running",
               "conditions": [{"type": "Ready", "status": "True"}]}
  })json");
  const Pod pod(pod_json);
  EXPECT_EQ(pod.node_name(), "gpu-node-3");
  EXPECT_EQ(pod.phase(), PodPhase::kRunning);
  EXPECT_FALSE(pod.Finished());
  EXPECT_TRUE(pod.Terminating());
  EXPECT_TRUE(pod.OwnedByDaemonSet());
  EXPECT_TRUE(pod.IsMirror());
  EXPECT_EQ(pod.metadata().ControllerOwner()->name, "dcgm-exporter");
  EXPECT_EQ(pod.termination_grace_period_seconds(), 45);
  ASSERT_EQ(pod.container_gpus().size(), 3u);
  EXPECT_EQ(pod.container_gpus()[1].limits, 1);
  EXPECT_EQ(pod.GpuCount(), 5);
  EXPECT_TRUE(pod.conditions()[0].IsTrue());
  EXPECT_TRUE(pod.Validate().ok()) << pod.Validate();

  json bad = pod_json;
  bad["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] = "half";
  bad["spec"]["terminationGracePeriodSeconds"] = "45";
  bad["status"]["phase"] = 3;
  const Pod broken(bad);
  EXPECT_EQ(broken.termination_grace_period_seconds(), std::nullopt);
  EXPECT_EQ(broken.phase(), PodPhase::kUnknown);
  EXPECT_EQ(broken.GpuCount(), 5);  // the bad limit reads 0; the request still counts
  EXPECT_EQ(broken.Validate().message(),
            "Pod \"gpu-operator/dcgm-exporter-x\": spec.terminationGracePeriodSeconds must be an "
            "integer, not a string");
}

TEST(LeaseViewTest, ReadsHolderAndExpiry) {
  const json lease_json = json::parse(R"json({
    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
    "metadata": {"name": "controller", "namespace": "nvsentinel"},
    "spec": {"holderIdentity": "replica-a", "leaseDurationSeconds": 15,
             "acquireTime": "2026-01-02T03:00:00.000000Z", "renewTime": "2026-01-02T03:04:00.250000Z",
             "leaseTransitions": 2}})json");
  const Lease lease(lease_json);
  EXPECT_EQ(lease.holder_identity(), "replica-a");
  EXPECT_EQ(lease.lease_duration_seconds(), 15);
  EXPECT_EQ(lease.renew_time(), At("2026-01-02T03:04:00.25Z"));
  EXPECT_EQ(lease.lease_transitions(), 2);
  EXPECT_TRUE(lease.HeldAt(At("2026-01-02T03:04:10Z")));
  EXPECT_FALSE(lease.HeldAt(At("2026-01-02T03:04:16Z")));
  EXPECT_TRUE(lease.Validate().ok());
  json bad = lease_json;
  bad["spec"]["renewTime"] = "yesterday";
  EXPECT_FALSE(Lease(bad).HeldAt(At("2026-01-02T03:04:10Z")));
  EXPECT_EQ(
      Lease(bad).Validate().message(),
      "Lease \"nvsentinel/controller\": spec.renewTime is not an RFC 3339 time: \"yesterday\"");
}

TEST(EventViewTest, ReadsBothApis) {
  const json v1 = json::parse(R"json({
    "apiVersion": "events.k8s.io/v1", "kind": "Event",
    "metadata": {"name": "gpu-node-3.1", "namespace": "default"},
    "eventTime": "2026-01-02T03:04:05.000001Z", "reportingController": "nvsentinel/controller",
    "reportingInstance": "pod-a", "action": "Cordon", "reason": "Quarantined", "note": "xid 79",
    "type": "Warning", "regarding": {"kind": "Node", "name": "gpu-node-3", "apiVersion": "v1"},
    "series": {"count": 4, "lastObservedTime": "2026-01-02T03:09:00.000000Z"}})json");
  const Event modern(v1);
  EXPECT_TRUE(modern.IsEventsV1());
  EXPECT_EQ(modern.regarding().name, "gpu-node-3");
  EXPECT_EQ(modern.note(), "xid 79");
  EXPECT_EQ(modern.count(), 4);
  EXPECT_EQ(modern.reporting_controller(), "nvsentinel/controller");
  EXPECT_EQ(modern.first_time(), At("2026-01-02T03:04:05.000001Z"));
  EXPECT_EQ(modern.last_time(), At("2026-01-02T03:09:00Z"));
  EXPECT_TRUE(modern.Validate().ok()) << modern.Validate();

  const json core = json::parse(R"json({
    "apiVersion": "v1", "kind": "Event", "metadata": {"name": "e", "namespace": "default"},
    "involvedObject": {"kind": "Node", "name": "gpu-node-3"}, "reason": "Quarantined",
    "message": "xid 79", "type": "Warning", "count": 3, "eventTime": null,
    "firstTimestamp": "2026-01-02T03:04:05Z", "lastTimestamp": "2026-01-02T03:08:00Z",
    "source": {"component": "nvsentinel/controller"}})json");
  const Event legacy(core);
  EXPECT_FALSE(legacy.IsEventsV1());
  EXPECT_EQ(legacy.regarding().kind, "Node");
  EXPECT_EQ(legacy.note(), "xid 79");
  EXPECT_EQ(legacy.count(), 3);
  EXPECT_EQ(legacy.reporting_controller(), "nvsentinel/controller");
  EXPECT_EQ(legacy.first_time(), At("2026-01-02T03:04:05Z"));
  EXPECT_EQ(legacy.last_time(), At("2026-01-02T03:08:00Z"));
  EXPECT_TRUE(legacy.Validate().ok()) << legacy.Validate();  // null eventTime is absent
  json bad = core;
  bad["count"] = "3";
  EXPECT_EQ(Event(bad).count(), 1);
  EXPECT_FALSE(Event(bad).Validate().ok());
}

const json kHealthEvent = json::parse(R"json({
  "apiVersion": "nvsentinel.nvidia.com/v1alpha1", "kind": "HealthEvent",
  "metadata": {"name": "gpu-node-3-xid79", "generation": 2, "resourceVersion": "90"},
  "spec": {
    "version": 1, "agent": "health-provider", "componentClass": "GPU", "checkName": "GpuXidWatch",
    "isFatal": true, "isHealthy": false, "message": "GPU has fallen off the bus",
    "recommendedAction": "RUN_FIELDDIAG", "errorCode": ["79"],
    "entitiesImpacted": [{"entityType": "GPU_UUID", "entityValue": "GPU-1234"},
                         {"entityType": "PCI", "entityValue": "0000:3b:00.0"}],
    "metadata": {"rack": "rack-0"}, "generatedTimestamp": "2026-01-02T03:04:05.123Z",
    "nodeName": "gpu-node-3", "quarantineOverrides": {"force": true, "skip": false},
    "drainOverrides": {"force": false, "skip": true}, "processingStrategy": "STORE_ONLY"
  },
  "status": {
    "phase": "Drained", "reason": "", "observedGeneration": 2,
    "phaseTimes": {"New": "2026-01-02T03:04:05.200Z", "Quarantined": "2026-01-02T03:04:05.250Z",
                   "Drained": "2026-01-02T03:05:00.000Z"},
    "conditions": [{"type": "Quarantined", "status": "True", "reason": "Cordoned",
                    "lastTransitionTime": "2026-01-02T03:04:05Z"}],
    "remediation": {"apiVersion": "janitor.dgxc.nvidia.com/v1alpha1", "kind": "RebootNode",
                    "name": "reboot-gpu-node-3"},
    "evictedPods": [{"namespace": "ml", "name": "train-0"}]
  }
})json");

TEST(HealthEventViewTest, ReadsSpecAndStatus) {
  const HealthEvent event(kHealthEvent);
  const HealthEventSpec spec = event.spec();
  EXPECT_EQ(spec.agent, "health-provider");
  EXPECT_EQ(spec.component_class, "GPU");
  EXPECT_EQ(spec.check_name, "GpuXidWatch");
  EXPECT_TRUE(spec.is_fatal);
  EXPECT_EQ(spec.recommended_action, RecommendedAction::kRunFieldDiag);
  EXPECT_EQ(spec.error_codes, std::vector<std::string>{"79"});
  ASSERT_EQ(spec.entities_impacted.size(), 2u);
  EXPECT_EQ(spec.entities_impacted[0], (ImpactedEntity{"GPU_UUID", "GPU-1234"}));
  EXPECT_EQ(spec.metadata.at("rack"), "rack-0");
  EXPECT_EQ(spec.generated_timestamp, At("2026-01-02T03:04:05.123Z"));
  EXPECT_EQ(spec.quarantine_overrides, (BehaviourOverrides{true, false}));
  EXPECT_EQ(spec.drain_overrides, (BehaviourOverrides{false, true}));
  EXPECT_TRUE(event.StoreOnly());
  EXPECT_EQ(event.phase(), HealthEventPhase::kDrained);
  EXPECT_EQ(event.phase_times().size(), 3u);
  EXPECT_EQ(event.PhaseTime(HealthEventPhase::kQuarantined), At("2026-01-02T03:04:05.25Z"));
  EXPECT_EQ(event.PhaseTime(HealthEventPhase::kResolved), std::nullopt);
  EXPECT_EQ(event.conditions()[0].reason, "Cordoned");
  EXPECT_EQ(event.remediation()->kind, "RebootNode");
  EXPECT_EQ(event.evicted_pods(), (std::vector<PodRef>{{"ml", "train-0"}}));
  EXPECT_EQ(event.observed_generation(), 2);
  EXPECT_TRUE(event.Validate().ok()) << event.Validate();
  // The typed spec writes back what it read.
  EXPECT_EQ(spec.ToJson(), kHealthEvent["spec"]);
}

TEST(HealthEventViewTest, MalformedEventsReadSafelyAndValidateNamesTheField) {
  json bad = kHealthEvent;
  bad["status"]["phase"] = "Exploded";
  bad["spec"]["recommendedAction"] = "PRAY";
  bad["spec"]["errorCode"] = "79";
  const HealthEvent event(bad);
  EXPECT_EQ(event.phase(), HealthEventPhase::kNew);
  EXPECT_FALSE(event.HasPhase());
  EXPECT_EQ(event.recommended_action(), RecommendedAction::kUnknown);
  EXPECT_TRUE(event.error_codes().empty());
  EXPECT_NE(event.Validate().message().find("spec.recommendedAction is \"PRAY\"; expected one of "
                                            "NONE, COMPONENT_RESET"),
            std::string::npos)
      << event.Validate();

  bad = kHealthEvent;
  bad["spec"].erase("nodeName");
  EXPECT_EQ(HealthEvent(bad).Validate().message(),
            "HealthEvent \"gpu-node-3-xid79\": spec.nodeName is required");
  bad = kHealthEvent;
  bad["status"]["phaseTimes"]["Drained"] = "soon";
  bad["status"]["phaseTimes"]["Teleported"] = "2026-01-02T03:05:00Z";
  EXPECT_EQ(HealthEvent(bad).phase_times().size(), 2u);
  EXPECT_FALSE(HealthEvent(bad).Validate().ok());
}

TEST(HealthEventEnumsTest, RoundTripEveryWireName) {
  for (std::string_view name : HealthEventPhaseNames()) {
    EXPECT_EQ(HealthEventPhaseName(*ParseHealthEventPhase(name)), name);
  }
  for (std::string_view name : RecommendedActionNames()) {
    EXPECT_EQ(RecommendedActionName(*ParseRecommendedAction(name)), name);
  }
  for (std::string_view name : ProcessingStrategyNames()) {
    EXPECT_EQ(ProcessingStrategyName(*ParseProcessingStrategy(name)), name);
  }
  EXPECT_EQ(RecommendedActionNames().size(), 10u);                 // the CRD's enum
  EXPECT_EQ(static_cast<int>(RecommendedAction::kRestartBm), 24);  // NVSentinel's proto number
  EXPECT_EQ(ParseHealthEventPhase("new"), std::nullopt);
  EXPECT_TRUE(IsTerminal(HealthEventPhase::kCancelled));
  EXPECT_FALSE(IsTerminal(HealthEventPhase::kRemediated));
}

TEST(JanitorViewTest, StateFollowsStartCompletionAndTheSuccessCondition) {
  json reboot = {{"apiVersion", "janitor.dgxc.nvidia.com/v1alpha1"},
                 {"kind", "RebootNode"},
                 {"metadata", {{"name", "reboot-gpu-node-3"}}},
                 {"spec", {{"nodeName", "gpu-node-3"}, {"force", false}}}};
  EXPECT_EQ(RebootNode(reboot).state(), JanitorState::kPending);
  reboot["status"]["startTime"] = "2026-01-02T03:04:05Z";
  EXPECT_EQ(RebootNode(reboot).state(), JanitorState::kInProgress);
  reboot["status"]["completionTime"] = "2026-01-02T03:09:05Z";
  reboot["status"]["conditions"] = {{{"type", "NodeReady"}, {"status", "False"}}};
  EXPECT_EQ(RebootNode(reboot).state(), JanitorState::kFailed);
  reboot["status"]["conditions"][0]["status"] = "True";
  EXPECT_EQ(RebootNode(reboot).state(), JanitorState::kSucceeded);
  EXPECT_EQ(RebootNode(reboot).node_name(), "gpu-node-3");
  EXPECT_TRUE(RebootNode(reboot).Validate().ok());
  reboot["spec"]["force"] = "true";
  EXPECT_FALSE(RebootNode(reboot).force());
  EXPECT_EQ(RebootNode(reboot).Validate().message(),
            "RebootNode \"reboot-gpu-node-3\": spec.force must be a boolean, not a string");

  const json reset = {{"kind", "GPUReset"},
                      {"metadata", {{"name", "reset-1"}}},
                      {"spec", {{"nodeName", "gpu-node-3"}, {"gpuUUIDs", {"GPU-1", 2}}}},
                      {"status",
                       {{"startTime", "2026-01-02T03:04:05Z"},
                        {"completionTime", "2026-01-02T03:04:35Z"},
                        {"conditions", {{{"type", "ResetComplete"}, {"status", "True"}}}}}}};
  EXPECT_EQ(GpuReset(reset).state(), JanitorState::kSucceeded);
  EXPECT_EQ(GpuReset(reset).gpu_uuids(), std::vector<std::string>{"GPU-1"});
  EXPECT_EQ(GpuReset(reset).Validate().message(),
            "GPUReset \"reset-1\": spec.gpuUUIDs[1] must be a string, not an integer");
}

TEST(ConditionTest, SetConditionKeepsTheTransitionTimeUnlessTheStatusChanges) {
  const absl::Time t0 = At("2026-01-02T03:00:00Z");
  std::vector<Condition> conditions;
  EXPECT_TRUE(SetCondition(conditions, {"GpuXid", ConditionStatus::kTrue, "Xid79"}, t0));
  EXPECT_EQ(conditions[0].last_transition_time, t0);
  EXPECT_TRUE(SetCondition(conditions, {"GpuXid", ConditionStatus::kTrue, "Xid79", "again"},
                           t0 + absl::Minutes(1)));
  EXPECT_EQ(conditions[0].last_transition_time, t0);
  EXPECT_FALSE(SetCondition(conditions, {"GpuXid", ConditionStatus::kTrue, "Xid79", "again"},
                            t0 + absl::Minutes(2)));
  EXPECT_TRUE(SetCondition(conditions, {"GpuXid", ConditionStatus::kFalse}, t0 + absl::Minutes(3)));
  EXPECT_EQ(conditions[0].last_transition_time, t0 + absl::Minutes(3));
  EXPECT_EQ(conditions.size(), 1u);
}

}  // namespace
}  // namespace nvsx::kube
