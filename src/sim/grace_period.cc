#include "sim/grace_period.h"

#include <cstdlib>
#include <string>

namespace nvsx::sim {

using nlohmann::json;

int64_t PodGracePeriod(const json& pod, std::optional<int64_t> requested) {
  const json spec = pod.value("spec", json::object());
  const json status = pod.value("status", json::object());
  int64_t period = kDefaultPodGracePeriodSeconds;
  if (requested.has_value()) {
    period = *requested;
  } else if (spec.contains("terminationGracePeriodSeconds") &&
             spec["terminationGracePeriodSeconds"].is_number_integer()) {
    period = spec["terminationGracePeriodSeconds"].get<int64_t>();
  }
  const std::string phase = status.value("phase", "");
  if (spec.value("nodeName", "").empty() || phase == "Succeeded" || phase == "Failed") return 0;
  return period < 0 ? 1 : period;
}

std::optional<int64_t> RequestedGracePeriod(const json& delete_options,
                                            const httplib::Request& request) {
  if (delete_options.is_object() && delete_options.contains("gracePeriodSeconds") &&
      delete_options["gracePeriodSeconds"].is_number_integer()) {
    return delete_options["gracePeriodSeconds"].get<int64_t>();
  }
  if (!request.has_param("gracePeriodSeconds")) return std::nullopt;
  const std::string text = request.get_param_value("gracePeriodSeconds");
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') return std::nullopt;
  return value;
}

}  // namespace nvsx::sim
