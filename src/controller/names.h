#pragma once

// The names the controllers write into the cluster: node annotations and
// labels, HealthEvent condition types and reasons, Kubernetes Event reasons.
// Kept in one place because runbooks, `nvsx doctor` and the later recovery
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

// HealthEvent condition types.
inline constexpr std::string_view kQuarantinedCondition = "Quarantined";
inline constexpr std::string_view kDrainedCondition = "Drained";

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

}  // namespace nvsx::controller
