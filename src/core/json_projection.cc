#include "core/json_projection.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace nvsx::core {
namespace {

using nlohmann::json;
using Keep = JsonProjection::Keep;

std::optional<json> Narrow(json value, const JsonProjection& projection);

// Narrow(), with empty_object_for_nothing applied.
std::optional<json> Projected(json value, const JsonProjection& projection) {
  std::optional<json> kept = Narrow(std::move(value), projection);
  if (!kept && projection.empty_object_for_nothing) return json::object();
  return kept;
}

// kAllBut narrows in place; kSelected moves what it keeps to a new object.
std::optional<json> NarrowObject(json value, const JsonProjection& projection) {
  auto& object = *value.get_ptr<json::object_t*>();
  if (projection.keep == Keep::kAllBut) {
    for (const JsonProjectionField& field : projection.fields) {
      auto member = object.find(field.name);
      if (member == object.end()) continue;
      if (std::optional<json> kept = Projected(std::move(member->second), field.projection)) {
        member->second = *std::move(kept);
      } else {
        object.erase(member);
      }
    }
    return value;
  }
  json out = json::object();
  for (const JsonProjectionField& field : projection.fields) {
    auto member = object.find(field.name);
    if (member == object.end()) continue;
    if (std::optional<json> kept = Projected(std::move(member->second), field.projection)) {
      out.emplace(field.name, *std::move(kept));
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// In place: an element that keeps nothing becomes {}.
std::optional<json> NarrowArray(json value, const JsonProjection& projection) {
  bool any = false;
  for (json& element : *value.get_ptr<json::array_t*>()) {
    std::optional<json> kept = Projected(std::move(element), *projection.elements);
    any = any || kept.has_value();
    element = kept ? *std::move(kept) : json::object();
  }
  if (projection.keep == Keep::kSelected && !any) return std::nullopt;
  return value;
}

std::optional<json> Narrow(json value, const JsonProjection& projection) {
  switch (projection.keep) {
    case Keep::kAll:
      return value;
    case Keep::kNothing:
      return std::nullopt;
    case Keep::kSelected:
    case Keep::kAllBut:
      break;
  }
  if (value.is_object()) return NarrowObject(std::move(value), projection);
  if (value.is_array() && projection.elements) return NarrowArray(std::move(value), projection);
  if (projection.keep == Keep::kAllBut) return value;
  return std::nullopt;
}

// One projection of what `paths` reach past their first `depth` names
// (which they share).
JsonProjection KeepPathsFrom(const std::vector<const std::vector<std::string>*>& paths,
                             size_t depth) {
  std::vector<const std::vector<std::string>*> elements;
  std::vector<std::pair<std::string, std::vector<const std::vector<std::string>*>>> fields;
  for (const std::vector<std::string>* path : paths) {
    if (path->size() == depth) return JsonProjection{.keep = Keep::kAll};
    const std::string& name = (*path)[depth];
    if (name == "*") {
      elements.push_back(path);
      continue;
    }
    auto group = std::find_if(fields.begin(), fields.end(),
                              [&](const auto& field) { return field.first == name; });
    if (group == fields.end()) group = fields.insert(fields.end(), {name, {}});
    group->second.push_back(path);
  }
  JsonProjection projection{.keep = Keep::kSelected};
  for (auto& [name, group] : fields) {
    projection.fields.push_back({name, KeepPathsFrom(group, depth + 1)});
  }
  if (!elements.empty()) {
    projection.elements =
        std::make_shared<const JsonProjection>(KeepPathsFrom(elements, depth + 1));
  }
  return projection;
}

}  // namespace

const JsonProjection* JsonProjection::Field(std::string_view name) const {
  for (const JsonProjectionField& field : fields) {
    if (field.name == name) return &field.projection;
  }
  return nullptr;
}

JsonProjection KeepPaths(const std::vector<std::vector<std::string>>& paths) {
  std::vector<const std::vector<std::string>*> all;
  for (const std::vector<std::string>& path : paths) all.push_back(&path);
  return KeepPathsFrom(all, 0);
}

json Project(json value, const JsonProjection& projection) {
  return Projected(std::move(value), projection).value_or(json::object());
}

}  // namespace nvsx::core
