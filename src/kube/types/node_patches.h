#pragma once

// The writes controllers make to Nodes, as patches built from the Node as
// read. Apply main-resource patches to nodes/NAME and condition patches to
// nodes/NAME/status.

#include <optional>
#include <string_view>

#include "absl/time/time.h"
#include "kube/types/condition.h"
#include "kube/types/node.h"
#include "kube/types/object_patch.h"

namespace nvsx::kube {

// Merge patches of spec.unschedulable (uncordon removes the field, as kubectl).
ObjectPatch CordonPatch();
ObjectPatch UncordonPatch();

// Node taints have no patch merge key, so even a strategic merge patch
// replaces the whole list: these patches carry the full list as read plus the
// change, and the node's resourceVersion, so a concurrent change to the node
// makes the write a 409 Conflict (re-read and retry) instead of losing
// someone else's taint. nullopt when there is nothing to change.
//
// Adds `taint`, replacing one with the same key and effect.
std::optional<ObjectPatch> AddTaintPatch(const Node& node, const Taint& taint);
// Removes taints with `key` (and `effect`, unless empty).
std::optional<ObjectPatch> RemoveTaintPatch(const Node& node, std::string_view key,
                                            std::string_view effect = "");

// A strategic merge patch for nodes/NAME/status setting one condition (the
// list merges by type, so other conditions stay). lastHeartbeatTime is `now`;
// lastTransitionTime stays when the status is unchanged.
ObjectPatch SetNodeConditionPatch(const Node& node, Condition condition, absl::Time now);

}  // namespace nvsx::kube
