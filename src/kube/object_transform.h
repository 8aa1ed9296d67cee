#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

// Rewrites an object before an informer caches it and hands it to event
// handlers (client-go's SetTransform): keeping only what the callers read is
// what makes a cache of tens of thousands of objects small.
using Transform = std::function<nlohmann::json(nlohmann::json object)>;

// Drops metadata.managedFields, which no controller reads and which is often
// the largest part of an object.
nlohmann::json StripManagedFields(nlohmann::json object);

// A transform that keeps only the fields at `json_pointers` ("/spec/nodeName",
// "/status/conditions"), plus what identifies an object and its version
// (apiVersion, kind, metadata name, namespace, uid and resourceVersion). A
// "*" token stands for every element of an array:
// "/spec/containers/*/resources" keeps each container's resources only.
// InvalidArgument for a malformed pointer.
absl::StatusOr<Transform> KeepFields(const std::vector<std::string>& json_pointers);

// `key` as one JSON pointer token: '~' becomes "~0" and '/' becomes "~1".
std::string EscapeJsonPointer(std::string_view key);

}  // namespace nvsx::kube
