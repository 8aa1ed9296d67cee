#pragma once

// The drain controller's decision for one event, as a pure function of the
// event, the pods on its node, the policy and the time, so tests can call it
// without a cluster.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "controller/drain_policy.h"
#include "kube/indexed_cache.h"
#include "kube/object_transform.h"
#include "kube/types/health_event.h"

namespace nvsx::controller {

enum class PodAction {
  kEvict,            // evict it now (Eviction API)
  kDelete,           // delete it now (DeleteAfterTimeout, its time came)
  kAwaitGone,        // evicted before, deleted, or terminating: wait until it is gone
  kAwaitCompletion,  // wait for it to finish on its own
};

struct PodStep {
  kube::PodRef pod;
  std::string uid;
  PodAction action = PodAction::kEvict;
  DrainMode mode = DrainMode::kImmediate;
  std::optional<absl::Time> deadline;  // still here after this: stuck
};

struct DrainPlan {
  std::vector<PodStep> pending;  // pods that must still go, in key order
  std::vector<PodStep> stuck;    // pending pods past their deadline
  int skipped = 0;               // DaemonSet, mirror, finished, system, other-GPU pods
  // The next time the plan changes by itself (a delete falls due, a deadline passes).
  std::optional<absl::Time> next_change;

  bool Done() const { return pending.empty(); }
};

// What was evicted before: "namespace/name" from status.evictedPods (it
// survives restarts) and the UIDs this process evicted (its cache may not
// show them terminating yet). Neither is evicted again.
struct EvictedBefore {
  std::set<std::string> keys;
  std::set<std::string> uids;
};

// The pod fields PlanDrain reads under `options` (with what identifies a
// pod; of the labels, those its rules name): the pod cache keeps only these,
// so a cluster's pods cost a fraction of their size.
kube::Transform PodDrainView(const DrainOptions& options);

// `started`: when the drain began (the Quarantined time). An event with
// drainOverrides.force drains every pod Immediately, whatever the rules say.
DrainPlan PlanDrain(const kube::HealthEvent& event, const std::vector<kube::ObjectPtr>& pods,
                    const DrainOptions& options, absl::Time started, absl::Time now,
                    const EvictedBefore& evicted);

// "namespace/name".
std::string PodKey(const kube::PodRef& pod);

}  // namespace nvsx::controller
