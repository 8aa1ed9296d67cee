#pragma once

#include <string>

#include "absl/status/status.h"
#include "kube/rest_client.h"

namespace nvsx::sim {

struct SimClusterOptions {
  int nodes = 4;
  int gpus_per_node = 8;
  std::string node_prefix = "gpu-node-";
  std::string gpu_product = "NVIDIA-H100-80GB-HBM3";
  int nodes_per_rack = 4;  // NVLink domain / rack label groups
};

// The node name of simulated node `index` ("gpu-node-0").
std::string SimNodeName(const SimClusterOptions& options, int index);

// Fills a fresh cluster through its API, as a real one would be: our CRDs,
// the nvsentinel namespace, and one Ready GPU Node per simulated node with
// nvidia.com/gpu capacity and the usual labels (gpu.present, product, pool,
// rack). Objects that exist already are left as they are, so seeding a
// restarted cluster is safe.
absl::Status SeedSimCluster(kube::RestClient& client, const SimClusterOptions& options,
                            absl::Time now);

}  // namespace nvsx::sim
