#include "kube/types/gpu_reset.h"

namespace nvsx::kube {

ResourceRef GpuResetsResource() {
  return ResourceRef{
      std::string(kJanitorGroup), std::string(kJanitorVersion), "gpuresets", "", "", ""};
}

std::vector<std::string> GpuReset::gpu_uuids() const {
  return StringListOf(Field({"spec", "gpuUUIDs"}));
}

absl::Status GpuReset::Validate() const {
  return ValidateAs("GPUReset", [](FieldChecker& checker) { checker.StringList("spec.gpuUUIDs"); });
}

}  // namespace nvsx::kube
