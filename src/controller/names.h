#pragma once

// The names the controllers write into the cluster: node annotations and
// labels, HealthEvent condition types and reasons, Kubernetes Event reasons.
// Kept in one place because runbooks, `nvsx doctor` and the recovery
// controller read them back.

#include <string_view>

namespace nvsx::controller {

// The component that writes Events and field managers.
inline constexpr std::string_view kControllerName = "nvsentinel.nvidia.com/controller";
inline constexpr std::string_view kFieldManager = "nvsentinel-controller";

// Per-node opt-out: a node labelled nvsentinel.nvidia.com/quarantine=disabled
// is never quarantined; its events are Cancelled.
inline constexpr std::string_view kQuarantineOptOutLabel = "nvsentinel.nvidia.com/quarantine";
inline constexpr std::string_view kQuarantineOptOutValue = "disabled";

// What quarantine records on the node (see quarantine_record.h).
inline constexpr std::string_view kQuarantinedByAnnotation = "nvsentinel.nvidia.com/quarantined-by";
inline constexpr std::string_view kQuarantinedAtAnnotation = "nvsentinel.nvidia.com/quarantined-at";
inline constexpr std::string_view kCordonedByAnnotation = "nvsentinel.nvidia.com/cordoned-by";
inline constexpr std::string_view kQuarantineTaintsAnnotation =
    "nvsentinel.nvidia.com/quarantine-taints";
inline constexpr std::string_view kQuarantineReasonAnnotation =
    "nvsentinel.nvidia.com/quarantine-reason";
// Values of kCordonedByAnnotation.
inline constexpr std::string_view kCordonedByUs = "nvsentinel";
inline constexpr std::string_view kCordonedByOther = "external";

// A pod may say which GPUs it was given (comma-separated indexes or UUIDs),
// for a partial drain; without it a GPU pod counts as using every GPU.
inline constexpr std::string_view kPodGpuDevicesAnnotation = "nvsentinel.nvidia.com/gpu-devices";

// An operator approves a manual remediation (CONTACT_SUPPORT, RUN_FIELDDIAG,
// RUN_DCGMEUD, UNKNOWN, or an escalation) by annotating the HealthEvent
// nvsentinel.nvidia.com/remediation-approved=true once the work is done.
inline constexpr std::string_view kRemediationApprovedAnnotation =
    "nvsentinel.nvidia.com/remediation-approved";
inline constexpr std::string_view kRemediationApprovedValue = "true";
// On RebootNode / GPUReset objects: the HealthEvent that created it (also
// an ownerReference).
inline constexpr std::string_view kRemediationEventLabel = "nvsentinel.nvidia.com/health-event";
// The reason quarantine gives the node condition it sets, so recovery
// lifts only conditions it set.
inline constexpr std::string_view kNodeConditionReason = "HealthEventFault";

// HealthEvent condition types.
inline constexpr std::string_view kQuarantinedCondition = "Quarantined";
inline constexpr std::string_view kDrainedCondition = "Drained";
inline constexpr std::string_view kRemediatedCondition = "Remediated";
inline constexpr std::string_view kResolvedCondition = "Resolved";

// Condition and phase reasons.
inline constexpr std::string_view kReasonQuarantined = "Quarantined";
inline constexpr std::string_view kReasonStoreOnly = "StoreOnly";
inline constexpr std::string_view kReasonHealthySignal = "HealthySignal";
inline constexpr std::string_view kReasonNotFatal = "NotFatal";
inline constexpr std::string_view kReasonDryRun = "DryRun";
inline constexpr std::string_view kReasonBreakerTripped = "CircuitBreakerTripped";
inline constexpr std::string_view kReasonFaultCleared = "FaultCleared";
inline constexpr std::string_view kReasonOptOut = "QuarantineDisabled";
inline constexpr std::string_view kReasonQuarantineSkipped = "QuarantineSkipped";
inline constexpr std::string_view kReasonNodeNotFound = "NodeNotFound";
inline constexpr std::string_view kReasonDraining = "Draining";
inline constexpr std::string_view kReasonDrained = "Drained";
inline constexpr std::string_view kReasonDrainSkipped = "DrainSkipped";
inline constexpr std::string_view kReasonDrainTimeout = "DrainTimeout";
inline constexpr std::string_view kReasonRemediating = "Remediating";
inline constexpr std::string_view kReasonAwaitingApproval = "AwaitingApproval";
inline constexpr std::string_view kReasonEscalated = "Escalated";
inline constexpr std::string_view kReasonApproved = "Approved";
inline constexpr std::string_view kReasonNoRemediation = "NoRemediationNeeded";
inline constexpr std::string_view kReasonRemediated = "Remediated";
inline constexpr std::string_view kReasonRemediationFailed = "RemediationFailed";
inline constexpr std::string_view kReasonSuperseded = "Superseded";
inline constexpr std::string_view kReasonAwaitingRecovery = "AwaitingRecovery";
inline constexpr std::string_view kReasonRecovered = "Recovered";
inline constexpr std::string_view kReasonNodeHeld = "NodeHeldByNewerFault";

}  // namespace nvsx::controller
