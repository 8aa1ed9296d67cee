#pragma once

// How `nvsentinel sim inject` and the janitor's sim backend reach a running
// sim: through the cluster, as a Kubernetes client would. The client creates
// a ConfigMap in the nvsentinel namespace labelled as a fault request; the
// sim's fault injector watches for those, applies each once (to the node's
// simulated GPUs, or to the node itself for a reboot) and records the outcome
// in an annotation, which the client waits for before it deletes the request
// (fault_request_client.h).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/resource.h"
#include "nlohmann/json.hpp"
#include "nvml/sim_gpu_backend.h"

namespace nvsx::sim_nodes {

inline constexpr std::string_view kFaultRequestLabel = "sim.nvsentinel.nvidia.com/fault-request";
// "applied: ..." or "failed: ...", written by the sim.
inline constexpr std::string_view kFaultResultAnnotation = "sim.nvsentinel.nvidia.com/result";

// One request asks for exactly one of: an XID or a fault on GPU `gpu`, clear
// (heal GPU `gpu`), a reboot of the node, or a reset of some of its GPUs.
struct FaultRequest {
  std::string node;
  int gpu = 0;
  std::optional<uint32_t> xid;
  std::optional<nvml::SimFault> fault;
  bool clear = false;  // heal the GPU: every fault it has is gone
  // Reboot the node: down (NotReady) this long, then Ready again, with every
  // GPU of the node healed. `gpu` is not used.
  std::optional<absl::Duration> reboot_downtime;
  // Reset these GPUs of the node (indexes or UUIDs; empty: every GPU), which
  // heals them. `gpu` is not used.
  std::optional<std::vector<std::string>> reset_gpus;
};

// Needs a node and exactly one action; a GPU index >= 0 for the GPU actions,
// a downtime >= 0 for a reboot.
absl::Status ValidateFaultRequest(const FaultRequest& request);

// configmaps in the nvsentinel namespace.
kube::ResourceRef FaultRequestsResource();
std::string FaultRequestSelector();

// The ConfigMap that asks for `request` (named by the server: generateName).
nlohmann::json FaultRequestConfigMap(const FaultRequest& request);
absl::StatusOr<FaultRequest> ParseFaultRequest(const nlohmann::json& config_map);

// The index of GPU `gpu` (an index or a simulated GPU's UUID) among the
// `gpu_count` GPUs of `node`; NotFound otherwise.
absl::StatusOr<int> ResolveGpu(const std::string& node, const std::string& gpu, int gpu_count);

// The indexes `gpus` names (every GPU when empty), as ResolveGpu reads them.
absl::StatusOr<std::vector<int>> ResolveGpus(const std::string& node,
                                             const std::vector<std::string>& gpus, int gpu_count);

// Carries out a request for GPUs (an XID, a fault, a clear or a reset; not a
// reboot) on `gpus`, the `gpu_count` simulated GPUs of the request's node.
absl::Status ApplyGpuRequest(const FaultRequest& request, nvml::SimGpuBackend& gpus, int gpu_count);

// "XID 79 on gpu-node-0 GPU 3", "fault ecc on ...", "clear of ...",
// "reboot of gpu-node-0 (down 1s)", "GPU reset of gpu-node-0 GPUs 0,3".
std::string DescribeFaultRequest(const FaultRequest& request);

}  // namespace nvsx::sim_nodes
