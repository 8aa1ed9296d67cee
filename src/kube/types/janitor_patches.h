#pragma once

// RebootNode / GPUReset objects to create, and the status writes the janitor
// makes: JSON merge patches for NAME/status carrying the resourceVersion read
// (a concurrent writer makes them a 409 Conflict).

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/types/condition.h"
#include "kube/types/gpu_reset.h"
#include "kube/types/object_patch.h"
#include "kube/types/reboot_node.h"

namespace nvsx::kube {

nlohmann::json NewRebootNode(const std::string& name, const std::string& node_name, bool force);
// Empty `gpu_uuids`: every GPU of the node.
nlohmann::json NewGpuReset(const std::string& name, const std::string& node_name,
                           const std::vector<std::string>& gpu_uuids);

// Sets status.startTime (unless set) and `condition` (e.g. SignalSent True).
ObjectPatch JanitorStartedPatch(const JanitorRequest& request, Condition condition, absl::Time now);
// Sets status.completionTime (unless set) and `condition`: the success
// condition (NodeReady, ResetComplete) True for success, False for failure.
ObjectPatch JanitorFinishedPatch(const JanitorRequest& request, Condition condition,
                                 absl::Time now);

}  // namespace nvsx::kube
