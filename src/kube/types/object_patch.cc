#include "kube/types/object_patch.h"

namespace nvsx::kube {
namespace {

ObjectPatch MetadataMapPatch(const char* field, const StringChanges& changes) {
  nlohmann::json map = nlohmann::json::object();
  for (const auto& [key, value] : changes) {
    map[key] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  }
  return {PatchType::kMerge, {{"metadata", {{field, std::move(map)}}}}};
}

}  // namespace

ObjectPatch AnnotationsPatch(const StringChanges& changes) {
  return MetadataMapPatch("annotations", changes);
}

ObjectPatch LabelsPatch(const StringChanges& changes) {
  return MetadataMapPatch("labels", changes);
}

}  // namespace nvsx::kube
