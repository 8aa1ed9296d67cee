#include "nvsx/watch_kinds.h"

#include <array>

namespace nvsx::op {
namespace {

const std::vector<WatchKindSpec>& Table() {
  static const std::vector<WatchKindSpec> kTable = {
      {WatchKind::kPod,
       "pod",
       {"selector"},
       {"namespace", "expect"},
       "pods matching a label selector reach a state, e.g. expect: phase=Running"},
      {WatchKind::kNode,
       "node",
       {"field", "expect"},
       {},
       "a field of the target node has a value, e.g. spec.unschedulable = true"},
      {WatchKind::kNodeCondition,
       "node-condition",
       {"type"},
       {"status"},
       "a condition on the target node has a status (default \"True\")"},
      {WatchKind::kCrd,
       "crd",
       {"group", "resource"},
       {"version", "namespace"},
       "an object of a custom resource exists for the target node (spec.nodeName or spec.node)"},
      {WatchKind::kPodEvent,
       "pod-event",
       {"reason"},
       {"namespace"},
       "a Kubernetes Event with this reason about a pod on the target node"},
      {WatchKind::kTaint,
       "taint",
       {"key"},
       {"effect"},
       "the target node carries a taint with this key"},
      {WatchKind::kLog,
       "log",
       {"selector", "pattern"},
       {"namespace", "container"},
       "a line matching the pattern in the logs of pods matching the selector"},
      {WatchKind::kTrainingLog,
       "training-log",
       {"pod", "pattern"},
       {"namespace", "container"},
       "a line matching the pattern in one pod's logs"},
      {WatchKind::kMongoEvent,
       "mongo-event",
       {"collection"},
       {"filter", "namespace"},
       "a document in NVSentinel's legacy MongoDB (via kubectl exec mongosh)"},
      {WatchKind::kHealthEvent,
       "healthevent",
       {},
       {"phase", "check", "xid"},
       "a HealthEvent for the target node with this phase, check name or XID"},
  };
  return kTable;
}

}  // namespace

std::span<const WatchKindSpec> WatchKindSpecs() { return Table(); }

const WatchKindSpec* FindWatchKind(std::string_view name) {
  for (const WatchKindSpec& spec : Table()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const WatchKindSpec& SpecOf(WatchKind kind) {
  for (const WatchKindSpec& spec : Table()) {
    if (spec.kind == kind) return spec;
  }
  return Table().front();
}

}  // namespace nvsx::op
