#pragma once

// Strategic merge patch (application/strategic-merge-patch+json), the format
// kubectl sends for built-in kinds (cordon, uncordon, taint, label, annotate,
// apply). It is a JSON merge patch in which some lists merge element-wise by a
// key instead of being replaced, plus directives:
//   {"$patch": "replace"} in a map: the map replaces the original;
//   {"$patch": "delete"} in a map: the map is removed;
//   list element {"key": k, "$patch": "delete"}: removes the element with key k;
//   list element {"$patch": "replace"}: the rest of the patch list replaces the list;
//   "$deleteFromPrimitiveList/field": [values] removes values from a merged list;
//   "$retainKeys": [keys] drops keys of the original map not listed;
//   "$setElementOrder/field": accepted and ignored (order is the original's).
// Which lists merge is data, keyed by field name (not full path); see
// DefaultPatchMergeKeys().

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

// Field name -> patch merge key; an empty key means a list of primitives that
// merges as a set union (metadata.finalizers).
using PatchMergeKeys = std::map<std::string, std::string, std::less<>>;

// The merge keys of the core/v1 Node and Pod fields (conditions by type,
// containers by name, ...).
const PatchMergeKeys& DefaultPatchMergeKeys();

// Applies `patch` (an object) to `original`. Errors are InvalidArgument.
absl::StatusOr<nlohmann::json> ApplyStrategicMergePatch(const nlohmann::json& original,
                                                        const nlohmann::json& patch,
                                                        const PatchMergeKeys& keys);

}  // namespace nvsx::sim
