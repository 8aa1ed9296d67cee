#pragma once

// The names the janitor writes into the cluster: its Lease, the component
// its Events come from, and the condition and Event reasons on RebootNode and
// GPUReset objects. Kept in one place because the controller, runbooks and
// `nvsx doctor` read them back.

#include <string_view>

namespace nvsx::janitor {

inline constexpr std::string_view kJanitorName = "nvsentinel.nvidia.com/janitor";
inline constexpr std::string_view kLeaseNamespace = "nvsentinel";
inline constexpr std::string_view kLeaseName = "nvsentinel-janitor";

// Condition reasons. SignalSent (RebootNode) goes Unknown while the backend
// is asked, then True; the success conditions NodeReady (RebootNode) and
// ResetComplete (GPUReset) end True or False.
inline constexpr std::string_view kReasonSendingSignal = "SendingSignal";
inline constexpr std::string_view kReasonSignalSent = "RebootSignalSent";
inline constexpr std::string_view kReasonNodeReady = "NodeReady";
inline constexpr std::string_view kReasonRebootFailed = "RebootFailed";
inline constexpr std::string_view kReasonNodeNotReady = "NodeNotReady";
inline constexpr std::string_view kReasonResetting = "Resetting";
inline constexpr std::string_view kReasonGpusReset = "GpusReset";
inline constexpr std::string_view kReasonResetFailed = "ResetFailed";
inline constexpr std::string_view kReasonResetOutcomeUnknown = "ResetOutcomeUnknown";
inline constexpr std::string_view kReasonNodeNotFound = "NodeNotFound";
inline constexpr std::string_view kReasonInvalidRequest = "InvalidRequest";

// Kubernetes Event reasons, on the request and on its node.
inline constexpr std::string_view kEventRebootStarted = "RebootStarted";
inline constexpr std::string_view kEventRebootSucceeded = "RebootSucceeded";
inline constexpr std::string_view kEventRebootFailed = "RebootFailed";
inline constexpr std::string_view kEventResetStarted = "GpuResetStarted";
inline constexpr std::string_view kEventResetSucceeded = "GpuResetSucceeded";
inline constexpr std::string_view kEventResetFailed = "GpuResetFailed";

}  // namespace nvsx::janitor
