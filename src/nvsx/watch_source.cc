#include "nvsx/watch_source.h"

#include "core/str_cat.h"
#include "kube/types/health_event.h"

namespace nvsx::op {
namespace {

WatchSource TargetNode(const std::string& target_node) {
  return {{.group = "", .version = "v1", .resource = "nodes"},
          "",
          core::StrCat("metadata.name=", target_node)};
}

}  // namespace

std::string WatchSource::Key() const {
  return core::StrCat(collection.group, "/", collection.version, "/", collection.resource, "/",
                      collection.namespace_name, "?l=", label_selector, "&f=", field_selector);
}

bool IsObjectWatch(WatchKind kind) {
  return kind != WatchKind::kLog && kind != WatchKind::kTrainingLog &&
         kind != WatchKind::kMongoEvent;
}

std::vector<WatchSource> SourcesOf(const WatchClause& clause, const std::string& target_node) {
  switch (clause.kind) {
    case WatchKind::kPod:
      return {{{.group = "",
                .version = "v1",
                .resource = "pods",
                .namespace_name = clause.Field("namespace")},
               clause.Field("selector"),
               ""}};
    case WatchKind::kNode:
    case WatchKind::kNodeCondition:
    case WatchKind::kTaint:
      return {TargetNode(target_node)};
    case WatchKind::kCrd:
      return {{{.group = clause.Field("group"),
                .version = clause.Field("version"),
                .resource = clause.Field("resource"),
                .namespace_name = clause.Field("namespace")},
               "",
               ""}};
    case WatchKind::kPodEvent:
      // Events about pods, and the pods on the target node: an event counts
      // when the pod it names ran there (its source.host is often empty).
      return {{{.group = "",
                .version = "v1",
                .resource = "events",
                .namespace_name = clause.Field("namespace")},
               "",
               "involvedObject.kind=Pod"},
              {{.group = "", .version = "v1", .resource = "pods"},
               "",
               core::StrCat("spec.nodeName=", target_node)}};
    case WatchKind::kHealthEvent:
      // Field selectors on custom resources stop at metadata.name: filter here.
      return {{kube::HealthEventsResource(), "", ""}};
    case WatchKind::kLog:
    case WatchKind::kTrainingLog:
    case WatchKind::kMongoEvent:
      break;
  }
  return {};
}

}  // namespace nvsx::op
