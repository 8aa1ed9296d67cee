#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/json_projection.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

struct StripManagedFieldsTransform;

// Rewrites an object before an informer caches it and hands it to event
// handlers (client-go's SetTransform): keeping only what the callers read is
// what makes a cache of tens of thousands of objects small.
//
// A transform is either any function of the object, applied to each decoded
// object, or a projection (KeepFields, StripManagedFields), which an informer
// applies while it decodes the server's answers, so what it drops is checked
// but never built. Either way handlers see the same objects.
class Transform {
 public:
  // None: objects stay whole.
  Transform() = default;
  Transform(std::nullptr_t) {}                    // NOLINT: as std::function takes nullptr
  Transform(const StripManagedFieldsTransform&);  // NOLINT: see StripManagedFields
  template <typename Function>
  requires std::invocable<const Function&, nlohmann::json> &&
      (!std::same_as<std::remove_cvref_t<Function>, Transform>)Transform(Function function)
      : function_(std::move(function)) {}
  explicit Transform(core::JsonProjection projection);

  explicit operator bool() const { return function_ != nullptr || projection_ != nullptr; }
  nlohmann::json operator()(nlohmann::json object) const;

  // What a projection keeps, for a decoder to build only that; null for a
  // function (or none).
  const std::shared_ptr<const core::JsonProjection>& projection() const { return projection_; }

 private:
  std::function<nlohmann::json(nlohmann::json)> function_;
  std::shared_ptr<const core::JsonProjection> projection_;
};

// Drops metadata.managedFields, which no controller reads and which is often
// the largest part of an object. A projection: as a Transform it is applied
// while decoding.
// (A constant rather than a function so that, as a Transform, it is a
// projection.)
struct StripManagedFieldsTransform {
  nlohmann::json operator()(nlohmann::json object) const;
};
inline constexpr StripManagedFieldsTransform StripManagedFields{};

// A transform that keeps only the fields at `json_pointers` ("/spec/nodeName",
// "/status/conditions"), plus what identifies an object and its version
// (apiVersion, kind, metadata name, namespace, uid and resourceVersion). A
// "*" token stands for every element of an array:
// "/spec/containers/*/resources" keeps each container's resources only (an
// element with nothing kept stays, as {}; an array with nothing kept goes).
// A projection. InvalidArgument for a malformed pointer.
absl::StatusOr<Transform> KeepFields(const std::vector<std::string>& json_pointers);

// `key` as one JSON pointer token: '~' becomes "~0" and '/' becomes "~1".
std::string EscapeJsonPointer(std::string_view key);

}  // namespace nvsx::kube
