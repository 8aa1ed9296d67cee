#include "sim/strategic_merge_patch.h"

#include <string_view>

#include "absl/status/status.h"
#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

constexpr std::string_view kPatch = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

absl::StatusOr<json> MergeMap(const json& original, const json& patch, const PatchMergeKeys& keys,
                              const std::string& where);

// A value from the patch placed where the original had nothing: directives
// are stripped and nulls dropped, by merging it into an empty value.
absl::StatusOr<json> Fresh(const json& patch, const PatchMergeKeys& keys,
                           const std::string& where) {
  if (patch.is_object()) return MergeMap(json::object(), patch, keys, where);
  return patch;
}

absl::StatusOr<json> MergeList(const json& original, const json& patch, const std::string& key,
                               const PatchMergeKeys& keys, const std::string& where) {
  json result = original.is_array() ? original : json::array();
  if (key.empty()) {  // a set of primitives
    for (const json& value : patch) {
      if (value.is_object() && value.value(std::string(kPatch), "") == "replace") {
        json replaced = json::array();
        for (const json& other : patch) {
          if (!other.is_object()) replaced.push_back(other);
        }
        return replaced;
      }
      bool present = false;
      for (const json& existing : result) present |= existing == value;
      if (!present) result.push_back(value);
    }
    return result;
  }
  for (const json& element : patch) {
    if (element.is_object() && element.value(std::string(kPatch), "") == "replace") {
      json replaced = json::array();
      for (const json& other : patch) {
        if (&other == &element) continue;
        absl::StatusOr<json> fresh = Fresh(other, keys, where);
        if (!fresh.ok()) return fresh.status();
        replaced.push_back(*std::move(fresh));
      }
      return replaced;
    }
  }
  for (const json& element : patch) {
    if (!element.is_object() || !element.contains(key)) {
      return absl::InvalidArgumentError(core::StrCat(where,
                                                     ": every element of a list merged by \"", key,
                                                     "\" must be an object with \"", key, "\""));
    }
    const json& id = element[key];
    auto match = result.end();
    for (auto it = result.begin(); it != result.end(); ++it) {
      if (it->is_object() && it->contains(key) && (*it)[key] == id) {
        match = it;
        break;
      }
    }
    const std::string directive = element.value(std::string(kPatch), "");
    if (directive == "delete") {
      if (match != result.end()) result.erase(match);
      continue;
    }
    if (!directive.empty() && directive != "merge") {
      return absl::InvalidArgumentError(
          core::StrCat(where, ": unknown $patch directive \"", directive, "\""));
    }
    if (match != result.end()) {
      absl::StatusOr<json> merged = MergeMap(*match, element, keys, where);
      if (!merged.ok()) return merged.status();
      *match = *std::move(merged);
    } else {
      absl::StatusOr<json> fresh = Fresh(element, keys, where);
      if (!fresh.ok()) return fresh.status();
      result.push_back(*std::move(fresh));
    }
  }
  return result;
}

absl::StatusOr<json> MergeMap(const json& original, const json& patch, const PatchMergeKeys& keys,
                              const std::string& where) {
  if (!patch.is_object()) return patch;
  const std::string directive = patch.value(std::string(kPatch), "");
  json result = original.is_object() ? original : json::object();
  if (directive == "replace") {
    json replaced = json::object();
    for (const auto& [name, value] : patch.items()) {
      if (name != kPatch) replaced[name] = value;
    }
    return Fresh(replaced, keys, where);
  }
  if (directive == "delete") return json(nullptr);
  if (!directive.empty() && directive != "merge") {
    return absl::InvalidArgumentError(
        core::StrCat(where, ": unknown $patch directive \"", directive, "\""));
  }
  if (auto retain = patch.find(std::string(kRetainKeys)); retain != patch.end()) {
    if (!retain->is_array()) {
      return absl::InvalidArgumentError(core::StrCat(where, ": $retainKeys must be a list"));
    }
    json kept = json::object();
    for (const json& name : *retain) {
      if (name.is_string() && result.contains(name.get<std::string>())) {
        kept[name.get<std::string>()] = result[name.get<std::string>()];
      }
    }
    result = std::move(kept);
  }
  for (const auto& [name, value] : patch.items()) {
    if (name == kPatch || name == kRetainKeys || name.starts_with(kSetElementOrder)) continue;
    const std::string path = where.empty() ? name : core::StrCat(where, ".", name);
    if (name.starts_with(kDeleteFromPrimitiveList)) {
      std::string field = name.substr(kDeleteFromPrimitiveList.size());
      if (!value.is_array()) {
        return absl::InvalidArgumentError(core::StrCat(path, ": must be a list"));
      }
      if (auto it = result.find(field); it != result.end() && it->is_array()) {
        json kept = json::array();
        for (const json& existing : *it) {
          bool removed = false;
          for (const json& gone : value) removed |= gone == existing;
          if (!removed) kept.push_back(existing);
        }
        *it = std::move(kept);
      }
      continue;
    }
    if (value.is_null()) {
      result.erase(name);
      continue;
    }
    auto existing = result.find(name);
    const json& before = existing != result.end() ? *existing : json(nullptr);
    absl::StatusOr<json> merged;
    if (value.is_object()) {
      merged = MergeMap(before, value, keys, path);
    } else if (value.is_array()) {
      auto key = keys.find(name);
      if (key != keys.end()) {
        merged = MergeList(before, value, key->second, keys, path);
      } else {
        json list = json::array();
        for (const json& element : value) {
          absl::StatusOr<json> fresh = Fresh(element, keys, path);
          if (!fresh.ok()) return fresh.status();
          list.push_back(*std::move(fresh));
        }
        merged = std::move(list);
      }
    } else {
      merged = value;
    }
    if (!merged.ok()) return merged.status();
    if (merged->is_null()) {
      result.erase(name);
    } else {
      result[name] = *std::move(merged);
    }
  }
  return result;
}

}  // namespace

const PatchMergeKeys& DefaultPatchMergeKeys() {
  static const PatchMergeKeys* const kKeys = new PatchMergeKeys{
      {"conditions", "type"},
      {"addresses", "type"},
      {"containers", "name"},
      {"initContainers", "name"},
      {"ephemeralContainers", "name"},
      {"volumes", "name"},
      {"env", "name"},
      {"volumeMounts", "mountPath"},
      {"volumeDevices", "devicePath"},
      {"ports", "containerPort"},
      {"imagePullSecrets", "name"},
      {"ownerReferences", "uid"},
      {"hostAliases", "ip"},
      {"topologySpreadConstraints", "topologyKey"},
      {"resourceClaims", "name"},
      {"finalizers", ""},
  };
  return *kKeys;
}

absl::StatusOr<nlohmann::json> ApplyStrategicMergePatch(const nlohmann::json& original,
                                                        const nlohmann::json& patch,
                                                        const PatchMergeKeys& keys) {
  if (!patch.is_object()) {
    return absl::InvalidArgumentError("a strategic merge patch must be a JSON object");
  }
  absl::StatusOr<json> merged = MergeMap(original, patch, keys, "");
  if (!merged.ok()) return merged.status();
  if (merged->is_null()) return json::object();
  return merged;
}

}  // namespace nvsx::sim
