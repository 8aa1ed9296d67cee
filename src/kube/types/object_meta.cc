#include "kube/types/object_meta.h"

#include <algorithm>

namespace nvsx::kube {

using json = nlohmann::json;

ObjectMeta::ObjectMeta(const json& object) : metadata_(FieldAt(object, {"metadata"})) {}

const json* ObjectMeta::Field(std::string_view key) const {
  return metadata_ == nullptr ? nullptr : FieldAt(*metadata_, {key});
}

std::string ObjectMeta::name() const { return StringOf(Field("name")); }
std::string ObjectMeta::namespace_name() const { return StringOf(Field("namespace")); }
std::string ObjectMeta::uid() const { return StringOf(Field("uid")); }
std::string ObjectMeta::resource_version() const { return StringOf(Field("resourceVersion")); }
int64_t ObjectMeta::generation() const { return IntOf(Field("generation")).value_or(0); }
std::map<std::string, std::string> ObjectMeta::labels() const {
  return StringMapOf(Field("labels"));
}
std::map<std::string, std::string> ObjectMeta::annotations() const {
  return StringMapOf(Field("annotations"));
}

std::optional<std::string> ObjectMeta::Label(std::string_view key) const {
  const json* labels = Field("labels");
  const json* value = labels == nullptr ? nullptr : FieldAt(*labels, {key});
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::optional<std::string> ObjectMeta::Annotation(std::string_view key) const {
  const json* annotations = Field("annotations");
  const json* value = annotations == nullptr ? nullptr : FieldAt(*annotations, {key});
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::optional<absl::Time> ObjectMeta::creation_timestamp() const {
  return TimeOf(Field("creationTimestamp"));
}
std::optional<absl::Time> ObjectMeta::deletion_timestamp() const {
  return TimeOf(Field("deletionTimestamp"));
}
std::vector<std::string> ObjectMeta::finalizers() const {
  return StringListOf(Field("finalizers"));
}

std::vector<OwnerReference> ObjectMeta::owner_references() const {
  std::vector<OwnerReference> owners;
  for (const json& owner : ArrayOf(Field("ownerReferences"))) {
    if (!owner.is_object()) continue;
    owners.push_back({StringOf(FieldAt(owner, {"apiVersion"})), StringOf(FieldAt(owner, {"kind"})),
                      StringOf(FieldAt(owner, {"name"})), StringOf(FieldAt(owner, {"uid"})),
                      BoolOf(FieldAt(owner, {"controller"}))});
  }
  return owners;
}

std::optional<OwnerReference> ObjectMeta::OwnerOfKind(std::string_view kind) const {
  for (OwnerReference& owner : owner_references()) {
    if (owner.kind == kind) return std::move(owner);
  }
  return std::nullopt;
}

std::optional<OwnerReference> ObjectMeta::ControllerOwner() const {
  for (OwnerReference& owner : owner_references()) {
    if (owner.controller) return std::move(owner);
  }
  return std::nullopt;
}

void ObjectMeta::Check(FieldChecker& checker) {
  checker.Object("metadata");
  for (std::string_view field :
       {"metadata.name", "metadata.namespace", "metadata.uid", "metadata.resourceVersion"}) {
    checker.String(field);
  }
  checker.Integer("metadata.generation");
  checker.StringMap("metadata.labels");
  checker.StringMap("metadata.annotations");
  checker.Time("metadata.creationTimestamp");
  checker.Time("metadata.deletionTimestamp");
  checker.StringList("metadata.finalizers");
  checker.EachObject("metadata.ownerReferences", [&](const std::string& owner) {
    checker.String(owner + ".kind");
    checker.String(owner + ".name");
    checker.Bool(owner + ".controller");
  });
}

bool IsLabelValue(std::string_view value) {
  if (value.empty() || value.size() > 63) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(value.front()) || !alnum(value.back())) return false;
  return std::all_of(value.begin(), value.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

}  // namespace nvsx::kube
