#include "sim/eviction.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "core/str_cat.h"
#include "sim/api_error.h"
#include "sim/label_selector.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

const json& Labels(const json& object) {
  static const json* const kNone = new json();
  if (!object.contains("metadata") || !object["metadata"].contains("labels")) return *kNone;
  return object["metadata"]["labels"];
}

// An IntOrString budget field against `total` pods; percentages round up.
int64_t Resolve(const json& value, int64_t total) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_string()) {
    std::string text = value.get<std::string>();
    if (!text.empty() && text.back() == '%') {
      double percent = std::atof(text.substr(0, text.size() - 1).c_str());
      return static_cast<int64_t>(std::ceil(percent * static_cast<double>(total) / 100.0));
    }
    return std::atoll(text.c_str());
  }
  return 0;
}

}  // namespace

bool PodIsHealthy(const json& pod) {
  if (pod.contains("metadata") && pod["metadata"].contains("deletionTimestamp")) return false;
  if (!pod.contains("status") || pod["status"].value("phase", "") != "Running") return false;
  if (pod["status"].contains("conditions") && pod["status"]["conditions"].is_array()) {
    for (const json& condition : pod["status"]["conditions"]) {
      if (condition.value("type", "") == "Ready") return condition.value("status", "") == "True";
    }
  }
  return true;
}

absl::Status CheckEviction(const json& pod, const std::vector<json>& budgets,
                           const std::vector<json>& namespace_pods) {
  const std::string phase = pod.contains("status") ? pod["status"].value("phase", "") : "";
  if (phase == "Succeeded" || phase == "Failed") return absl::OkStatus();
  std::vector<const json*> matching;
  std::vector<LabelSelector> selectors;
  for (const json& budget : budgets) {
    const json spec = budget.value("spec", json::object());
    absl::StatusOr<LabelSelector> selector =
        LabelSelector::FromJson(spec.value("selector", json()));
    if (!selector.ok() || selector->empty() || !selector->Matches(Labels(pod))) continue;
    matching.push_back(&budget);
    selectors.push_back(*std::move(selector));
  }
  if (matching.empty()) return absl::OkStatus();
  if (matching.size() > 1) {
    return ApiError(500, "InternalError",
                    "This pod has more than one PodDisruptionBudget, which the eviction "
                    "subresource does not support.");
  }
  if (!PodIsHealthy(pod)) return absl::OkStatus();
  const json& budget = *matching[0];
  const json spec = budget.value("spec", json::object());
  int64_t expected = 0;
  int64_t healthy = 0;
  for (const json& other : namespace_pods) {
    if (!selectors[0].Matches(Labels(other))) continue;
    const std::string other_phase =
        other.contains("status") ? other["status"].value("phase", "") : "";
    if (other_phase == "Succeeded" || other_phase == "Failed") continue;
    ++expected;
    if (PodIsHealthy(other)) ++healthy;
  }
  int64_t desired = 0;
  if (spec.contains("minAvailable")) {
    desired = Resolve(spec["minAvailable"], expected);
  } else if (spec.contains("maxUnavailable")) {
    desired = std::max<int64_t>(0, expected - Resolve(spec["maxUnavailable"], expected));
  }
  if (healthy - desired > 0) return absl::OkStatus();
  const std::string name = budget["metadata"].value("name", "");
  json details = {{"causes",
                   {{{"reason", "DisruptionBudget"},
                     {"message", core::StrCat("The disruption budget ", name, " needs ", desired,
                                              " healthy pods and has ", healthy, " currently")}}}}};
  return ApiError(429, "TooManyRequests",
                  "Cannot evict pod as it would violate the pod's disruption budget.",
                  std::move(details));
}

}  // namespace nvsx::sim
