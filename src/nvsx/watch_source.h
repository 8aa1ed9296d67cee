#pragma once

#include <string>
#include <vector>

#include "kube/resource.h"
#include "nvsx/runbook.h"

namespace nvsx::op {

// One Kubernetes collection a watch clause observes, narrowed by selectors.
// The runner keeps one live watch per distinct source for the whole run, so
// clauses (and stages) that look at the same thing share a connection.
struct WatchSource {
  kube::ResourceRef collection;  // no name
  std::string label_selector;
  std::string field_selector;

  // Identity for sharing: equal keys watch the same objects.
  std::string Key() const;
};

// Whether the clause is answered from live Kubernetes objects (everything but
// log, training-log and mongo-event, which read streams or a database).
bool IsObjectWatch(WatchKind kind);

// The sources an object watch needs, in the order EvaluateWatch takes their
// objects. A crd clause must carry its version (the runner resolves a missing
// one by discovery first).
std::vector<WatchSource> SourcesOf(const WatchClause& clause, const std::string& target_node);

}  // namespace nvsx::op
