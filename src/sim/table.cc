#include "sim/table.h"

#include <functional>

#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

struct Column {
  PrinterColumn definition;
  // Computes the cell; used for the built-in columns.
  std::function<json(const json&)> cell;
};

absl::Time ParseTimestamp(const json& value) {
  absl::Time time;
  std::string error;
  if (!value.is_string() ||
      !absl::ParseTime(absl::RFC3339_full, value.get<std::string>(), &time, &error)) {
    return absl::InfinitePast();
  }
  return time;
}

std::string Age(const json& object, absl::Time now) {
  if (!object.contains("metadata")) return "<unknown>";
  absl::Time created = ParseTimestamp(object["metadata"].value("creationTimestamp", json()));
  if (created == absl::InfinitePast()) return "<unknown>";
  return HumanDuration(now - created);
}

std::string NodeStatus(const json& node) {
  std::string status = "NotReady";
  json ready = EvaluateJsonPath(node, R"(.status.conditions[?(@.type=="Ready")].status)");
  if (ready == "True") status = "Ready";
  if (EvaluateJsonPath(node, ".spec.unschedulable") == true) status += ",SchedulingDisabled";
  return status;
}

std::string NodeRoles(const json& node) {
  std::string roles;
  json labels = EvaluateJsonPath(node, ".metadata.labels");
  if (labels.is_object()) {
    constexpr std::string_view kPrefix = "node-role.kubernetes.io/";
    for (const auto& [key, value] : labels.items()) {
      if (!key.starts_with(kPrefix) || key.size() == kPrefix.size()) continue;
      if (!roles.empty()) roles += ",";
      roles += key.substr(kPrefix.size());
    }
  }
  return roles.empty() ? "<none>" : roles;
}

std::string PodReady(const json& pod) {
  json containers = EvaluateJsonPath(pod, ".spec.containers");
  json statuses = EvaluateJsonPath(pod, ".status.containerStatuses");
  int ready = 0;
  if (statuses.is_array()) {
    for (const json& status : statuses) ready += status.value("ready", false) ? 1 : 0;
  }
  return core::StrCat(ready, "/", containers.is_array() ? containers.size() : 0);
}

std::string PodStatus(const json& pod) {
  if (EvaluateJsonPath(pod, ".metadata.deletionTimestamp").is_string()) return "Terminating";
  json reason = EvaluateJsonPath(pod, ".status.reason");
  if (reason.is_string()) return reason.get<std::string>();
  json phase = EvaluateJsonPath(pod, ".status.phase");
  return phase.is_string() ? phase.get<std::string>() : "Pending";
}

int64_t PodRestarts(const json& pod) {
  int64_t restarts = 0;
  json statuses = EvaluateJsonPath(pod, ".status.containerStatuses");
  if (statuses.is_array()) {
    for (const json& status : statuses) restarts += status.value("restartCount", int64_t{0});
  }
  return restarts;
}

json OrNone(const json& value) { return value.is_null() ? json("<none>") : value; }

std::vector<Column> ColumnsFor(const ResourceInfo& resource, absl::Time now) {
  auto age = [now](const json& object) { return json(Age(object, now)); };
  std::vector<Column> columns = {
      {{"Name", "string", "name", "Name must be unique within a namespace.", "", 0},
       [](const json& object) { return EvaluateJsonPath(object, ".metadata.name"); }}};
  const PrinterColumn kAge = {"Age", "string", "", "Time since creation", "", 0};
  if (!resource.crd_name.empty() && !resource.columns.empty()) {
    for (const PrinterColumn& printer : resource.columns) {
      Column column{printer, nullptr};
      const std::string path = printer.json_path;
      const std::string type = printer.type;
      column.cell = [path, type, now](const json& object) {
        json value = EvaluateJsonPath(object, path);
        if (type == "date" && value.is_string()) {
          absl::Time time = ParseTimestamp(value);
          if (time != absl::InfinitePast()) return json(HumanDuration(now - time));
        }
        return value;
      };
      if (column.definition.type == "date") column.definition.type = "date";
      columns.push_back(std::move(column));
    }
    return columns;
  }
  if (resource.group.empty() && resource.resource == "nodes") {
    columns.push_back({{"Status", "string", "", "Node readiness", "", 0},
                       [](const json& node) { return json(NodeStatus(node)); }});
    columns.push_back({{"Roles", "string", "", "Node roles", "", 0},
                       [](const json& node) { return json(NodeRoles(node)); }});
    columns.push_back({kAge, age});
    columns.push_back({{"Version", "string", "", "Kubelet version", "", 0}, [](const json& node) {
                         return OrNone(EvaluateJsonPath(node, ".status.nodeInfo.kubeletVersion"));
                       }});
    return columns;
  }
  if (resource.group.empty() && resource.resource == "pods") {
    columns.push_back({{"Ready", "string", "", "Ready containers", "", 0},
                       [](const json& pod) { return json(PodReady(pod)); }});
    columns.push_back({{"Status", "string", "", "Pod status", "", 0},
                       [](const json& pod) { return json(PodStatus(pod)); }});
    columns.push_back({{"Restarts", "string", "", "Container restarts", "", 0},
                       [](const json& pod) { return json(std::to_string(PodRestarts(pod))); }});
    columns.push_back({kAge, age});
    columns.push_back({{"IP", "string", "", "Pod IP", "", 1}, [](const json& pod) {
                         return OrNone(EvaluateJsonPath(pod, ".status.podIP"));
                       }});
    columns.push_back({{"Node", "string", "", "Node the pod runs on", "", 1}, [](const json& pod) {
                         return OrNone(EvaluateJsonPath(pod, ".spec.nodeName"));
                       }});
    return columns;
  }
  columns.push_back({kAge, age});
  return columns;
}

}  // namespace

std::string HumanDuration(absl::Duration duration) {
  const int64_t seconds = absl::ToInt64Seconds(duration);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return core::StrCat(seconds, "s");
  const int64_t minutes = seconds / 60;
  if (minutes < 10) {
    int64_t s = seconds % 60;
    return s == 0 ? core::StrCat(minutes, "m") : core::StrCat(minutes, "m", s, "s");
  }
  if (minutes < 60 * 3) return core::StrCat(minutes, "m");
  const int64_t hours = minutes / 60;
  if (hours < 8) {
    int64_t m = minutes % 60;
    return m == 0 ? core::StrCat(hours, "h") : core::StrCat(hours, "h", m, "m");
  }
  if (hours < 48) return core::StrCat(hours, "h");
  if (hours < 24 * 8) {
    int64_t h = hours % 24;
    return h == 0 ? core::StrCat(hours / 24, "d") : core::StrCat(hours / 24, "d", h, "h");
  }
  if (hours < 24 * 365 * 2) return core::StrCat(hours / 24, "d");
  if (hours < 24 * 365 * 8) {
    int64_t days = (hours / 24) % 365;
    return days == 0 ? core::StrCat(hours / 24 / 365, "y")
                     : core::StrCat(hours / 24 / 365, "y", days, "d");
  }
  return core::StrCat(hours / 24 / 365, "y");
}

json EvaluateJsonPath(const json& object, std::string_view path) {
  if (path.starts_with("{") && path.ends_with("}")) path = path.substr(1, path.size() - 2);
  if (path.starts_with("$")) path.remove_prefix(1);
  const json* node = &object;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      size_t end = i + 1;
      while (end < path.size() && path[end] != '.' && path[end] != '[') ++end;
      std::string key(path.substr(i + 1, end - i - 1));
      i = end;
      if (key.empty()) continue;
      if (!node->is_object() || !node->contains(key)) return nullptr;
      node = &(*node)[key];
    } else if (path[i] == '[') {
      size_t end = path.find(']', i);
      if (end == std::string_view::npos) return nullptr;
      std::string_view inside = path.substr(i + 1, end - i - 1);
      i = end + 1;
      if (!node->is_array()) return nullptr;
      if (inside.starts_with("?(@.") && inside.ends_with(")")) {
        std::string_view condition = inside.substr(4, inside.size() - 5);
        size_t eq = condition.find("==");
        if (eq == std::string_view::npos) return nullptr;
        std::string key(condition.substr(0, eq));
        std::string_view literal = condition.substr(eq + 2);
        if (literal.size() >= 2 && (literal.front() == '"' || literal.front() == '\'')) {
          literal = literal.substr(1, literal.size() - 2);
        }
        const json* found = nullptr;
        for (const json& element : *node) {
          if (element.is_object() && element.contains(key) && element[key].is_string() &&
              element[key].get<std::string>() == literal) {
            found = &element;
            break;
          }
        }
        if (found == nullptr) return nullptr;
        node = found;
      } else {
        int index = 0;
        for (char c : inside) {
          if (c < '0' || c > '9') return nullptr;
          index = index * 10 + (c - '0');
        }
        if (inside.empty() || static_cast<size_t>(index) >= node->size()) return nullptr;
        node = &(*node)[static_cast<size_t>(index)];
      }
    } else {
      return nullptr;
    }
  }
  return *node;
}

std::string RenderTableText(const ResourceInfo& resource,
                            const std::vector<std::shared_ptr<const json>>& items,
                            const TableOptions& options) {
  std::vector<Column> columns = ColumnsFor(resource, options.now);
  json head = {{"kind", "Table"},
               {"apiVersion", "meta.k8s.io/v1"},
               {"metadata", {{"resourceVersion", options.resource_version}}},
               {"columnDefinitions", json::array()}};
  if (!options.continue_token.empty()) head["metadata"]["continue"] = options.continue_token;
  for (const Column& column : columns) {
    head["columnDefinitions"].push_back({{"name", column.definition.name},
                                         {"type", column.definition.type},
                                         {"format", column.definition.format},
                                         {"description", column.definition.description},
                                         {"priority", column.definition.priority}});
  }
  // Rows are written straight out: copying thousands of objects into one
  // document first would cost more than printing them.
  std::string out = head.dump();
  out.pop_back();
  out += R"(,"rows":[)";
  for (size_t i = 0; i < items.size(); ++i) {
    const json& item = *items[i];
    json cells = json::array();
    for (const Column& column : columns) cells.push_back(column.cell(item));
    if (i > 0) out += ',';
    core::StrAppend(&out, R"({"cells":)", cells.dump(), R"(,"object":)");
    if (options.include_object) {
      out += item.dump();
    } else {
      auto metadata = item.find("metadata");
      core::StrAppend(
          &out, R"({"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":)",
          metadata != item.end() ? metadata->dump() : std::string("{}"), "}");
    }
    out += '}';
  }
  out += "]}";
  return out;
}

json RenderTable(const ResourceInfo& resource,
                 const std::vector<std::shared_ptr<const json>>& items,
                 const TableOptions& options) {
  return json::parse(RenderTableText(resource, items, options));
}

}  // namespace nvsx::sim
