#include "kube/types/janitor_request.h"

namespace nvsx::kube {

std::string_view JanitorStateName(JanitorState state) {
  switch (state) {
    case JanitorState::kPending:
      return "Pending";
    case JanitorState::kInProgress:
      return "InProgress";
    case JanitorState::kSucceeded:
      return "Succeeded";
    case JanitorState::kFailed:
      break;
  }
  return "Failed";
}

std::string JanitorRequest::node_name() const { return StringOf(Field({"spec", "nodeName"})); }
std::optional<absl::Time> JanitorRequest::start_time() const {
  return TimeOf(Field({"status", "startTime"}));
}
std::optional<absl::Time> JanitorRequest::completion_time() const {
  return TimeOf(Field({"status", "completionTime"}));
}
std::vector<Condition> JanitorRequest::conditions() const {
  return ConditionsOf(Field({"status", "conditions"}));
}

std::optional<Condition> JanitorRequest::FindCondition(std::string_view type) const {
  const std::vector<Condition> all = conditions();
  const Condition* found = kube::FindCondition(all, type);
  return found == nullptr ? std::nullopt : std::optional<Condition>(*found);
}

JanitorState JanitorRequest::StateBy(std::string_view success_condition) const {
  if (!completion_time()) return start_time() ? JanitorState::kInProgress : JanitorState::kPending;
  std::optional<Condition> success = FindCondition(success_condition);
  return success && success->IsTrue() ? JanitorState::kSucceeded : JanitorState::kFailed;
}

absl::Status JanitorRequest::ValidateAs(
    std::string_view kind, const std::function<void(FieldChecker&)>& check_spec) const {
  FieldChecker checker(object(), Describe(kind));
  ObjectMeta::Check(checker);
  if (Field({"spec"}) == nullptr) checker.Fail("spec", "is required");
  checker.Object("spec");
  checker.String("spec.nodeName", /*required=*/true);
  check_spec(checker);
  checker.Object("status");
  checker.Time("status.startTime");
  checker.Time("status.completionTime");
  CheckConditions(checker, "status.conditions");
  return checker.Result();
}

}  // namespace nvsx::kube
