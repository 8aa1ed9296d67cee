#pragma once

#include <memory>
#include <string>

#include "kube/types/object_meta.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

// The base of the typed views: a const view of one object's JSON. Copies are
// cheap (a shared pointer). Accessors never throw: a missing or wrongly typed
// field reads as absent, and the view's Validate() names the first bad field.
class ObjectView {
 public:
  // Non-owning: `object` must outlive the view and its copies.
  explicit ObjectView(const nlohmann::json& object);
  // Owns a temporary (moved, not copied): Node node(*client.Get(ref)).
  explicit ObjectView(nlohmann::json&& object);
  // Shares ownership, e.g. of an informer cache's snapshot.
  explicit ObjectView(std::shared_ptr<const nlohmann::json> object);

  const nlohmann::json& object() const { return *object_; }
  ObjectMeta metadata() const { return ObjectMeta(*object_); }
  std::string api_version() const;
  std::string kind() const;
  // "Kind \"name\"" or "Kind \"namespace/name\"", for messages.
  std::string Describe(std::string_view kind_name) const;

 protected:
  const nlohmann::json* Field(std::initializer_list<std::string_view> path) const {
    return FieldAt(*object_, path);
  }

 private:
  std::shared_ptr<const nlohmann::json> object_;
};

}  // namespace nvsx::kube
