#include "controller/drain_policy.h"

#include "absl/strings/ascii.h"
#include "controller/names.h"
#include "core/text.h"

namespace nvsx::controller {

std::string_view DrainModeName(DrainMode mode) {
  switch (mode) {
    case DrainMode::kImmediate:
      return "Immediate";
    case DrainMode::kAllowCompletion:
      return "AllowCompletion";
    case DrainMode::kDeleteAfterTimeout:
      return "DeleteAfterTimeout";
  }
  return "Immediate";
}

std::optional<DrainMode> ParseDrainMode(std::string_view text) {
  for (DrainMode mode :
       {DrainMode::kImmediate, DrainMode::kAllowCompletion, DrainMode::kDeleteAfterTimeout}) {
    if (DrainModeName(mode) == text) return mode;
  }
  return std::nullopt;
}

bool DrainRule::Matches(const kube::Pod& pod) const {
  const kube::ObjectMeta meta = pod.metadata();
  if (!namespace_name.empty() && meta.namespace_name() != namespace_name) return false;
  for (const auto& [key, value] : labels) {
    if (meta.Label(key) != value) return false;
  }
  return true;
}

DrainRule RuleFor(const DrainOptions& options, const kube::Pod& pod) {
  for (const DrainRule& rule : options.rules) {
    if (rule.Matches(pod)) return rule;
  }
  return DrainRule{};
}

std::set<std::string> FailingGpus(const kube::HealthEvent& event) {
  std::set<std::string> gpus;
  for (const kube::ImpactedEntity& entity : event.spec().entities_impacted) {
    if ((entity.type == "GPU" || entity.type == "GPU_UUID") && !entity.value.empty()) {
      gpus.insert(absl::AsciiStrToLower(entity.value));
    }
  }
  return gpus;
}

bool PodMayUseGpus(const kube::Pod& pod, const std::set<std::string>& gpus) {
  if (pod.GpuCount() <= 0) return false;
  std::optional<std::string> devices = pod.metadata().Annotation(kPodGpuDevicesAnnotation);
  if (!devices) return true;
  size_t start = 0;
  while (start <= devices->size()) {
    size_t comma = devices->find(',', start);
    if (comma == std::string::npos) comma = devices->size();
    if (gpus.contains(absl::AsciiStrToLower(std::string(
            core::TrimWhitespace(std::string_view(*devices).substr(start, comma - start)))))) {
      return true;
    }
    start = comma + 1;
  }
  return false;
}

}  // namespace nvsx::controller
