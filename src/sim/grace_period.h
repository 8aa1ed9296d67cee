#pragma once

// How long a deleted pod may take to stop, decided as the real API server
// decides it.

#include <cstdint>
#include <optional>

#include "httplib.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

// The pod's spec.terminationGracePeriodSeconds when none is set.
inline constexpr int64_t kDefaultPodGracePeriodSeconds = 30;

// The grace period for deleting `pod`: `requested` (a DeleteOptions'
// gracePeriodSeconds) or else the pod's spec.terminationGracePeriodSeconds;
// 0 for a pod no kubelet runs (no spec.nodeName) or one that has finished;
// a negative request counts as 1.
int64_t PodGracePeriod(const nlohmann::json& pod, std::optional<int64_t> requested);

// gracePeriodSeconds from a DeleteOptions body (a JSON object, or null) or,
// failing that, from the request's query; nullopt when neither has one.
std::optional<int64_t> RequestedGracePeriod(const nlohmann::json& delete_options,
                                            const httplib::Request& request);

}  // namespace nvsx::sim
