#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "kube/types/json_fields.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

enum class ConditionStatus { kUnknown, kTrue, kFalse };

// "True", "False", "Unknown".
std::string_view ConditionStatusName(ConditionStatus status);
// Anything but "True" or "False" reads as kUnknown, as Kubernetes treats it.
ConditionStatus ParseConditionStatus(std::string_view text);

// A status condition: Node and Pod conditions, metav1.Condition of custom
// resources (HealthEvent, RebootNode, GPUReset).
struct Condition {
  std::string type;
  ConditionStatus status = ConditionStatus::kUnknown;
  std::string reason;
  std::string message;
  std::optional<absl::Time> last_transition_time;
  std::optional<absl::Time> last_heartbeat_time;  // Node conditions only

  bool IsTrue() const { return status == ConditionStatus::kTrue; }
  // Times as metav1.Time (RFC 3339, seconds); unset times are left out.
  nlohmann::json ToJson() const;
};

// The conditions in a JSON list; elements without a string type are skipped.
std::vector<Condition> ConditionsOf(const nlohmann::json* list);

const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type);

// Sets `condition` in `conditions` by type, as apimachinery's
// meta.SetStatusCondition: the transition time stays when the status did not
// change and becomes `now` when it did (or when the condition is new), unless
// the caller set one. Returns whether anything changed.
bool SetCondition(std::vector<Condition>& conditions, Condition condition, absl::Time now);

nlohmann::json ConditionsToJson(const std::vector<Condition>& conditions);

// Type checks for the condition list at `path`.
void CheckConditions(FieldChecker& checker, std::string_view path);

}  // namespace nvsx::kube
