#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "kube/types/json_fields.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
};

// Typed reads of an object's metadata. Non-owning: valid while the object it
// was made from lives. Wrongly typed fields read as absent (json_fields.h).
class ObjectMeta {
 public:
  // `object` is the whole object (its "metadata" is read).
  explicit ObjectMeta(const nlohmann::json& object);

  std::string name() const;
  std::string namespace_name() const;
  std::string uid() const;
  std::string resource_version() const;
  int64_t generation() const;  // 0 when unset
  std::map<std::string, std::string> labels() const;
  std::map<std::string, std::string> annotations() const;
  std::optional<std::string> Label(std::string_view key) const;
  std::optional<std::string> Annotation(std::string_view key) const;
  std::optional<absl::Time> creation_timestamp() const;
  std::optional<absl::Time> deletion_timestamp() const;
  std::vector<std::string> finalizers() const;
  std::vector<OwnerReference> owner_references() const;
  // The first owner of `kind` ("DaemonSet"), if any.
  std::optional<OwnerReference> OwnerOfKind(std::string_view kind) const;
  // The owner marked controller: true, if any.
  std::optional<OwnerReference> ControllerOwner() const;

  // Adds the metadata fields' type checks to `checker`.
  static void Check(FieldChecker& checker);

 private:
  const nlohmann::json* Field(std::string_view key) const;

  const nlohmann::json* metadata_;  // null when the object has none
};

// Whether `value` may be a label value: at most 63 characters of
// [A-Za-z0-9._-], alphanumeric at both ends (empty is allowed by Kubernetes
// but never what a caller means here, so it is refused).
bool IsLabelValue(std::string_view value);

}  // namespace nvsx::kube
