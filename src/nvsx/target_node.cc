#include "nvsx/target_node.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "core/str_cat.h"
#include "kube/api_error.h"
#include "kube/types/health_event.h"

namespace nvsx::op {
namespace {

using nlohmann::json;

// The object's `field` when it is an object, else an empty one (malformed
// objects are skipped, never trusted).
json Section(const json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_object() ? *it : json::object();
}

bool IsOpen(const json& event) {
  const std::string phase = Section(event, "status").value("phase", "");
  if (phase == "Resolved" || phase == "Failed" || phase == "Cancelled") return false;
  return !Section(event, "spec").value("isHealthy", false);
}

// The node of the newest open HealthEvent, or "" when there is none (or the
// cluster does not define HealthEvents).
absl::StatusOr<std::string> NewestOpenHealthEventNode(kube::RestClient& client) {
  auto events = client.ListAll(kube::HealthEventsResource());
  if (!events.ok()) {
    if (kube::apierrors::IsNotFound(events.status())) return std::string();
    return events.status();
  }
  std::string newest_time;
  std::string node;
  for (const json& event : (*events)["items"]) {
    if (!event.is_object() || !IsOpen(event)) continue;
    const std::string event_node = Section(event, "spec").value("nodeName", "");
    // RFC 3339 UTC timestamps of one format sort as text.
    const std::string created = Section(event, "metadata").value("creationTimestamp", "");
    if (!event_node.empty() && (node.empty() || created > newest_time)) {
      newest_time = created;
      node = event_node;
    }
  }
  return node;
}

}  // namespace

absl::StatusOr<std::string> DetectTargetNode(kube::RestClient& client) {
  auto from_event = NewestOpenHealthEventNode(client);
  if (!from_event.ok()) return from_event.status();
  if (!from_event->empty()) return *from_event;
  auto nodes = client.ListAll({.group = "", .version = "v1", .resource = "nodes"},
                              {.label_selector = "nvidia.com/gpu.present=true"});
  if (!nodes.ok()) return nodes.status();
  std::vector<std::string> cordoned;
  for (const json& node : (*nodes)["items"]) {
    if (node.is_object() && Section(node, "spec").value("unschedulable", false)) {
      cordoned.push_back(Section(node, "metadata").value("name", ""));
    }
  }
  if (cordoned.size() == 1) return cordoned.front();
  if (cordoned.empty()) {
    return absl::FailedPreconditionError(
        "no target node: there is no open HealthEvent and no cordoned GPU node; pass "
        "--target-node NODE");
  }
  return absl::FailedPreconditionError(
      core::StrCat("cannot choose a target node: ", cordoned.size(), " GPU nodes are cordoned (",
                   absl::StrJoin(cordoned, ", "),
                   ") and there is no open HealthEvent; pass --target-node NODE"));
}

}  // namespace nvsx::op
