#pragma once

// The two standard JSON patch formats the API server accepts.

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

// RFC 7386 JSON merge patch (application/merge-patch+json): objects merge
// recursively, null deletes a member, anything else (arrays included)
// replaces. A patch that is not an object replaces the whole target.
nlohmann::json ApplyMergePatch(const nlohmann::json& target, const nlohmann::json& patch);

// RFC 6902 JSON patch (application/json-patch+json): an array of operations
// (add, remove, replace, move, copy, test) applied in order, all or nothing.
// A malformed patch is InvalidArgument naming the operation; one that cannot
// be applied (missing path, failed test) is FailedPrecondition.
absl::StatusOr<nlohmann::json> ApplyJsonPatch(const nlohmann::json& target,
                                              const nlohmann::json& patch);

}  // namespace nvsx::sim
