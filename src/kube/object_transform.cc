#include "kube/object_transform.h"

#include "core/str_cat.h"

namespace nvsx::kube {

nlohmann::json StripManagedFields(nlohmann::json object) {
  if (auto metadata = object.find("metadata"); metadata != object.end() && metadata->is_object()) {
    metadata->erase("managedFields");
  }
  return object;
}

absl::StatusOr<Transform> KeepFields(const std::vector<std::string>& json_pointers) {
  std::vector<nlohmann::json::json_pointer> keep;
  for (const char* identity : {"/apiVersion", "/kind", "/metadata/name", "/metadata/namespace",
                               "/metadata/uid", "/metadata/resourceVersion"}) {
    keep.emplace_back(identity);
  }
  for (const std::string& pointer : json_pointers) {
    // nlohmann reports a malformed pointer by throwing; turn it into a status here.
    try {
      keep.emplace_back(pointer);
    } catch (const nlohmann::json::exception& error) {
      return absl::InvalidArgumentError(
          core::StrCat("KeepFields: \"", pointer, "\" is not a JSON pointer: ", error.what()));
    }
  }
  // Copied, not moved: one pointer may lie inside another ("/metadata" and
  // "/metadata/name").
  return Transform([keep = std::move(keep)](nlohmann::json object) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& pointer : keep) {
      if (object.contains(pointer)) out[pointer] = object.at(pointer);
    }
    return out;
  });
}

}  // namespace nvsx::kube
