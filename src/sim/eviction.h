#pragma once

// The Eviction subresource's decision: may this pod go now without breaking
// a PodDisruptionBudget (policy/v1)? A pure function of the pod, the budgets
// and the pods of its namespace, so tests need no server.

#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

// OK when the eviction may proceed. 429 TooManyRequests (reason
// TooManyRequests, a DisruptionBudget cause naming the budget) when a budget
// has no disruption left; 500 when more than one budget selects the pod, as
// the real server answers. A pod that is not healthy (Running and Ready) may
// always go; so may one in a terminal phase.
absl::Status CheckEviction(const nlohmann::json& pod, const std::vector<nlohmann::json>& budgets,
                           const std::vector<nlohmann::json>& namespace_pods);

// Running, Ready (when it reports a Ready condition) and not being deleted.
bool PodIsHealthy(const nlohmann::json& pod);

}  // namespace nvsx::sim
