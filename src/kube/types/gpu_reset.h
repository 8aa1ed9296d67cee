#pragma once

#include <string>
#include <vector>

#include "kube/resource.h"
#include "kube/types/janitor_request.h"

namespace nvsx::kube {

// GPUReset's success condition: the GPUs were reset and came back.
inline constexpr std::string_view kGpuResetComplete = "ResetComplete";

ResourceRef GpuResetsResource();  // cluster-scoped

// A request to reset GPUs of one node without a reboot.
class GpuReset : public JanitorRequest {
 public:
  using JanitorRequest::JanitorRequest;

  // The GPUs to reset; empty means every GPU of the node.
  std::vector<std::string> gpu_uuids() const;
  // Succeeded when completed with ResetComplete True.
  JanitorState state() const { return StateBy(kGpuResetComplete); }

  absl::Status Validate() const;
};

}  // namespace nvsx::kube
