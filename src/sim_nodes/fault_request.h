#pragma once

// How `nvsentinel sim inject` reaches a running sim: through the cluster, as
// a Kubernetes client would. The command creates a ConfigMap in the
// nvsentinel namespace labelled as a fault request; the sim's fault injector
// watches for those, applies each once to the node's simulated GPUs and
// records the outcome in an annotation, which the command waits for before
// it deletes the request.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "kube/resource.h"
#include "nlohmann/json.hpp"
#include "nvml/sim_gpu_backend.h"

namespace nvsx::sim_nodes {

inline constexpr std::string_view kFaultRequestLabel = "sim.nvsentinel.nvidia.com/fault-request";
// "applied: ..." or "failed: ...", written by the sim.
inline constexpr std::string_view kFaultResultAnnotation = "sim.nvsentinel.nvidia.com/result";

struct FaultRequest {
  std::string node;
  int gpu = 0;
  std::optional<uint32_t> xid;
  std::optional<nvml::SimFault> fault;
  bool clear = false;  // heal the GPU: every fault it has is gone
};

// Needs a node, a GPU index >= 0, and an XID, a fault or clear.
absl::Status ValidateFaultRequest(const FaultRequest& request);

// configmaps in the nvsentinel namespace.
kube::ResourceRef FaultRequestsResource();
std::string FaultRequestSelector();

// The ConfigMap that asks for `request` (named by the server: generateName).
nlohmann::json FaultRequestConfigMap(const FaultRequest& request);
absl::StatusOr<FaultRequest> ParseFaultRequest(const nlohmann::json& config_map);

// "XID 79 on gpu-node-0 GPU 3", "fault ecc on ...", "clear of ...".
std::string DescribeFaultRequest(const FaultRequest& request);

}  // namespace nvsx::sim_nodes
