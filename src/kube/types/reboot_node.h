#pragma once

#include "kube/resource.h"
#include "kube/types/janitor_request.h"

namespace nvsx::kube {

// NVSentinel's RebootNode condition types: the reboot was requested, and the
// node came back Ready (its success condition).
inline constexpr std::string_view kRebootSignalSent = "SignalSent";
inline constexpr std::string_view kRebootNodeReady = "NodeReady";

ResourceRef RebootNodesResource();  // cluster-scoped

// A request to reboot one node.
class RebootNode : public JanitorRequest {
 public:
  using JanitorRequest::JanitorRequest;

  bool force() const;
  // Succeeded when completed with NodeReady True.
  JanitorState state() const { return StateBy(kRebootNodeReady); }

  absl::Status Validate() const;
};

}  // namespace nvsx::kube
