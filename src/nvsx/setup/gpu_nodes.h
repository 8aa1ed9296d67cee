#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kube/rest_client.h"
#include "nvsx/setup/cluster_checks.h"

namespace nvsx::setup {

struct GpuNode {
  std::string name;
  std::string alias;  // op::NodeAlias(name)
  int gpus = 0;       // status.capacity["nvidia.com/gpu"]; 0 when not reported
  bool ready = false;
  bool cordoned = false;
};

// The cluster's GPU nodes, sorted by name: those labelled
// nvidia.com/gpu.present=true and those with nvidia.com/gpu capacity (a node
// whose GPU operator has not labelled it yet still counts).
absl::StatusOr<std::vector<GpuNode>> DiscoverGpuNodes(kube::RestClient& client);

// "2 (2 Ready, 0 cordoned)", or a failure when there are none.
Check SummarizeGpuNodes(const absl::StatusOr<std::vector<GpuNode>>& nodes);

}  // namespace nvsx::setup
