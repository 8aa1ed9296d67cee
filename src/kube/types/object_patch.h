#pragma once

// A write a controller makes, as a patch body and its type, so builders can
// pick the patch format a field needs: client.Patch(ref, p.type, p.body).

#include <map>
#include <optional>
#include <string>

#include "kube/rest_client.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

struct ObjectPatch {
  PatchType type = PatchType::kMerge;
  nlohmann::json body;
};

// Key -> new value; nullopt removes the key.
using StringChanges = std::map<std::string, std::optional<std::string>>;

// Merge patches of metadata.annotations / metadata.labels; other keys stay.
ObjectPatch AnnotationsPatch(const StringChanges& changes);
ObjectPatch LabelsPatch(const StringChanges& changes);

}  // namespace nvsx::kube
