#include "kube/types/condition.h"

#include "core/time_format.h"

namespace nvsx::kube {

using json = nlohmann::json;

std::string_view ConditionStatusName(ConditionStatus status) {
  switch (status) {
    case ConditionStatus::kTrue:
      return "True";
    case ConditionStatus::kFalse:
      return "False";
    case ConditionStatus::kUnknown:
      break;
  }
  return "Unknown";
}

ConditionStatus ParseConditionStatus(std::string_view text) {
  if (text == "True") return ConditionStatus::kTrue;
  if (text == "False") return ConditionStatus::kFalse;
  return ConditionStatus::kUnknown;
}

json Condition::ToJson() const {
  json out = {{"type", type}, {"status", ConditionStatusName(status)}};
  if (!reason.empty()) out["reason"] = reason;
  if (!message.empty()) out["message"] = message;
  if (last_transition_time)
    out["lastTransitionTime"] = core::FormatTimestamp(*last_transition_time);
  if (last_heartbeat_time) out["lastHeartbeatTime"] = core::FormatTimestamp(*last_heartbeat_time);
  return out;
}

std::vector<Condition> ConditionsOf(const json* list) {
  std::vector<Condition> conditions;
  for (const json& entry : ArrayOf(list)) {
    const json* type = FieldAt(entry, {"type"});
    if (type == nullptr || !type->is_string()) continue;
    conditions.push_back(
        {type->get<std::string>(), ParseConditionStatus(StringOf(FieldAt(entry, {"status"}))),
         StringOf(FieldAt(entry, {"reason"})), StringOf(FieldAt(entry, {"message"})),
         TimeOf(FieldAt(entry, {"lastTransitionTime"})),
         TimeOf(FieldAt(entry, {"lastHeartbeatTime"}))});
  }
  return conditions;
}

const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type) {
  for (const Condition& condition : conditions) {
    if (condition.type == type) return &condition;
  }
  return nullptr;
}

bool SetCondition(std::vector<Condition>& conditions, Condition condition, absl::Time now) {
  for (Condition& existing : conditions) {
    if (existing.type != condition.type) continue;
    if (!condition.last_transition_time) {
      condition.last_transition_time =
          existing.status == condition.status && existing.last_transition_time
              ? existing.last_transition_time
              : std::optional<absl::Time>(now);
    }
    const bool changed = existing.status != condition.status ||
                         existing.reason != condition.reason ||
                         existing.message != condition.message ||
                         existing.last_transition_time != condition.last_transition_time ||
                         existing.last_heartbeat_time != condition.last_heartbeat_time;
    existing = std::move(condition);
    return changed;
  }
  if (!condition.last_transition_time) condition.last_transition_time = now;
  conditions.push_back(std::move(condition));
  return true;
}

json ConditionsToJson(const std::vector<Condition>& conditions) {
  json list = json::array();
  for (const Condition& condition : conditions) list.push_back(condition.ToJson());
  return list;
}

void CheckConditions(FieldChecker& checker, std::string_view path) {
  checker.EachObject(path, [&](const std::string& condition) {
    checker.String(condition + ".type", /*required=*/true);
    checker.OneOf(condition + ".status", {"True", "False", "Unknown"});
    checker.String(condition + ".reason");
    checker.String(condition + ".message");
    checker.Time(condition + ".lastTransitionTime");
    checker.Time(condition + ".lastHeartbeatTime");
  });
}

}  // namespace nvsx::kube
