#include "kube/types/object_view.h"

#include "core/str_cat.h"

namespace nvsx::kube {

// The aliasing constructor with an empty owner: a shared_ptr that points at
// `object` without owning it.
ObjectView::ObjectView(const nlohmann::json& object)
    : object_(std::shared_ptr<const nlohmann::json>(), &object) {}

ObjectView::ObjectView(nlohmann::json&& object)
    : object_(std::make_shared<const nlohmann::json>(std::move(object))) {}

ObjectView::ObjectView(std::shared_ptr<const nlohmann::json> object) : object_(std::move(object)) {
  if (object_ == nullptr) object_ = std::make_shared<const nlohmann::json>();
}

std::string ObjectView::api_version() const { return StringOf(Field({"apiVersion"})); }
std::string ObjectView::kind() const { return StringOf(Field({"kind"})); }

std::string ObjectView::Describe(std::string_view kind_name) const {
  const ObjectMeta meta = metadata();
  const std::string ns = meta.namespace_name();
  return ns.empty() ? core::StrCat(kind_name, " \"", meta.name(), "\"")
                    : core::StrCat(kind_name, " \"", ns, "/", meta.name(), "\"");
}

}  // namespace nvsx::kube
