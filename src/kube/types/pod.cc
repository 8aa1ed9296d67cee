#include "kube/types/pod.h"

#include <algorithm>
#include <array>

#include "core/str_cat.h"
#include "kube/types/node.h"

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

constexpr std::array<std::pair<PodPhase, std::string_view>, 5> kPhases = {{
    {PodPhase::kUnknown, "Unknown"},
    {PodPhase::kPending, "Pending"},
    {PodPhase::kRunning, "Running"},
    {PodPhase::kSucceeded, "Succeeded"},
    {PodPhase::kFailed, "Failed"},
}};

std::optional<int64_t> GpuQuantity(const json& container, std::string_view field) {
  const json* quantity = FieldAt(container, {"resources", field, kGpuResource});
  if (quantity == nullptr) return 0;
  if (quantity->is_number_integer()) return quantity->get<int64_t>();
  return ParseIntegerQuantity(StringOf(quantity));
}

}  // namespace

std::string_view PodPhaseName(PodPhase phase) {
  for (const auto& [value, name] : kPhases) {
    if (value == phase) return name;
  }
  return "Unknown";
}

PodPhase ParsePodPhase(std::string_view text) {
  for (const auto& [value, name] : kPhases) {
    if (name == text) return value;
  }
  return PodPhase::kUnknown;
}

std::string Pod::node_name() const { return StringOf(Field({"spec", "nodeName"})); }
PodPhase Pod::phase() const { return ParsePodPhase(StringOf(Field({"status", "phase"}))); }

bool Pod::Finished() const {
  const PodPhase current = phase();
  return current == PodPhase::kSucceeded || current == PodPhase::kFailed;
}

bool Pod::Terminating() const { return metadata().deletion_timestamp().has_value(); }
bool Pod::OwnedByDaemonSet() const { return metadata().OwnerOfKind("DaemonSet").has_value(); }
bool Pod::IsMirror() const { return metadata().Annotation(kMirrorPodAnnotation).has_value(); }

std::optional<int64_t> Pod::termination_grace_period_seconds() const {
  return IntOf(Field({"spec", "terminationGracePeriodSeconds"}));
}

std::vector<ContainerGpus> Pod::container_gpus() const {
  std::vector<ContainerGpus> out;
  for (const json& container : ArrayOf(Field({"spec", "containers"}))) {
    if (!container.is_object()) continue;
    out.push_back({StringOf(FieldAt(container, {"name"})),
                   GpuQuantity(container, "requests").value_or(0),
                   GpuQuantity(container, "limits").value_or(0)});
  }
  return out;
}

int64_t Pod::GpuCount() const {
  int64_t total = 0;
  for (const ContainerGpus& container : container_gpus()) {
    total += std::max(container.requests, container.limits);
  }
  return total;
}

std::vector<Condition> Pod::conditions() const {
  return ConditionsOf(Field({"status", "conditions"}));
}

absl::Status Pod::Validate() const {
  FieldChecker checker(object(), Describe("Pod"));
  ObjectMeta::Check(checker);
  checker.Object("spec");
  checker.String("spec.nodeName");
  checker.Integer("spec.terminationGracePeriodSeconds");
  checker.EachObject("spec.containers", [&](const std::string& path) {
    checker.String(path + ".name");
    checker.Object(path + ".resources");
    checker.Object(path + ".resources.requests");
    checker.Object(path + ".resources.limits");
  });
  const json& containers = ArrayOf(Field({"spec", "containers"}));
  for (size_t i = 0; i < containers.size(); ++i) {
    for (std::string_view field : {"requests", "limits"}) {
      if (containers[i].is_object() && !GpuQuantity(containers[i], field)) {
        checker.Fail(
            core::StrCat("spec.containers[", i, "].resources.", field, "[\"", kGpuResource, "\"]"),
            "must be an integer quantity");
      }
    }
  }
  checker.Object("status");
  checker.String("status.phase");
  CheckConditions(checker, "status.conditions");
  return checker.Result();
}

}  // namespace nvsx::kube
