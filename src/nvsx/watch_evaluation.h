#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "nvsx/runbook.h"

namespace nvsx::op {

using ObjectList = std::vector<std::shared_ptr<const nlohmann::json>>;

struct WatchVerdict {
  bool satisfied = false;
  // What was seen, for the operator: "node gpu-node-3 taint nvidia.com/gpu-fault:NoSchedule".
  std::string detail;
};

// What a clause is judged against besides the objects.
struct WatchScope {
  std::string target_node;
  // Events older than this do not count (a pod-event watch must see a new event,
  // not last week's). Usually the run's start.
  absl::Time events_since = absl::InfinitePast();
};

// Judges an object watch (IsObjectWatch) against the current objects of each
// of its sources, in SourcesOf order. Pure: the runner calls it whenever a
// source changes.
//   pod            pods matching the selector; expect: a count comparison
//                  (">=1", "==0"), FIELD=VALUE / FIELD!=VALUE for every pod
//                  ("phase=Running"; "phase" means status.phase), or text the
//                  pods' phases must contain ("Running"); none: at least one pod
//   node           the target node's field (dotted path) matches expect
//   node-condition the target node's condition `type` has `status` (default True)
//   crd            an object whose spec.nodeName or spec.node is the target node
//   pod-event      an Event with `reason` about a pod on the target node
//   taint          the target node carries taint `key` (with `effect`, if given)
//   healthevent    a HealthEvent for the target node with this check, XID and
//                  phase (reached now or earlier: status.phaseTimes counts)
WatchVerdict EvaluateWatch(const WatchClause& clause, const WatchScope& scope,
                           std::span<const ObjectList> sources);

// The value at a dotted path ("spec.unschedulable", "metadata.labels.pool"),
// as text: strings as they are, other scalars as JSON, absent as "". Fields
// Kubernetes omits when false read "false" (spec.unschedulable).
std::string FieldText(const nlohmann::json& object, std::string_view path);

}  // namespace nvsx::op
