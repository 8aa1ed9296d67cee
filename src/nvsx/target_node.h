#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "kube/rest_client.h"

namespace nvsx::op {

// The node a run acts on when the operator names none: the node of the newest
// open HealthEvent (not healthy, not Resolved/Failed/Cancelled), else the only
// cordoned GPU node (label nvidia.com/gpu.present=true). None, or several
// cordoned GPU nodes: an error that lists the candidates and asks for
// --target-node.
absl::StatusOr<std::string> DetectTargetNode(kube::RestClient& client);

}  // namespace nvsx::op
