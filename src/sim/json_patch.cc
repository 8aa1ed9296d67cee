#include "sim/json_patch.h"

#include <set>
#include <string>

#include "absl/status/status.h"
#include "core/str_cat.h"

namespace nvsx::sim {

nlohmann::json ApplyMergePatch(const nlohmann::json& target, const nlohmann::json& patch) {
  nlohmann::json result = target;
  result.merge_patch(patch);
  return result;
}

absl::StatusOr<nlohmann::json> ApplyJsonPatch(const nlohmann::json& target,
                                              const nlohmann::json& patch) {
  if (!patch.is_array()) {
    return absl::InvalidArgumentError("a JSON patch must be an array of operations");
  }
  static const std::set<std::string> kOps = {"add", "remove", "replace", "move", "copy", "test"};
  for (size_t i = 0; i < patch.size(); ++i) {
    const nlohmann::json& op = patch[i];
    if (!op.is_object() || !op.contains("op") || !op["op"].is_string() ||
        !kOps.contains(op["op"].get<std::string>())) {
      return absl::InvalidArgumentError(
          core::StrCat("JSON patch operation ", i,
                       " has no valid \"op\" (add, remove, replace, move, copy, test)"));
    }
    if (!op.contains("path") || !op["path"].is_string()) {
      return absl::InvalidArgumentError(core::StrCat(
          "JSON patch operation ", i, " (", op["op"].get<std::string>(), ") has no \"path\""));
    }
    const std::string name = op["op"].get<std::string>();
    if ((name == "add" || name == "replace" || name == "test") && !op.contains("value")) {
      return absl::InvalidArgumentError(
          core::StrCat("JSON patch operation ", i, " (", name, ") has no \"value\""));
    }
    if ((name == "move" || name == "copy") && (!op.contains("from") || !op["from"].is_string())) {
      return absl::InvalidArgumentError(
          core::StrCat("JSON patch operation ", i, " (", name, ") has no \"from\""));
    }
  }
  try {
    return target.patch(patch);
  } catch (const nlohmann::json::exception& error) {
    return absl::FailedPreconditionError(
        core::StrCat("the JSON patch does not apply: ", error.what()));
  }
}

}  // namespace nvsx::sim
