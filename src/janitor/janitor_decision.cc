#include "janitor/janitor_decision.h"

#include "core/duration.h"
#include "core/str_cat.h"
#include "core/time_format.h"
#include "janitor/names.h"

namespace nvsx::janitor {
namespace {

using Step = JanitorDecision::Step;

JanitorDecision Fail(std::string_view reason, std::string message) {
  return {Step::kFail, std::string(reason), std::move(message), absl::ZeroDuration()};
}

// What every request shares before its kind's own rules: completed ones are
// left alone, invalid or orphaned ones fail, pending ones start.
std::optional<JanitorDecision> DecideCommon(const kube::JanitorRequest& request,
                                            kube::JanitorState state, absl::Status valid,
                                            bool node_exists) {
  if (state == kube::JanitorState::kSucceeded || state == kube::JanitorState::kFailed) {
    return JanitorDecision{};
  }
  if (state != kube::JanitorState::kPending) return std::nullopt;
  if (!valid.ok()) return Fail(kReasonInvalidRequest, std::string(valid.message()));
  if (!node_exists) {
    return Fail(kReasonNodeNotFound,
                core::StrCat("node ", request.node_name(), " is not registered in the cluster"));
  }
  return JanitorDecision{Step::kStart, "", "", absl::ZeroDuration()};
}

// How the node's Ready condition stands, for a message.
std::string DescribeReady(const kube::Node& node) {
  std::optional<kube::Condition> ready = node.FindCondition("Ready");
  if (!ready) return "has no Ready condition";
  std::string text = core::StrCat("is Ready=", kube::ConditionStatusName(ready->status));
  if (ready->last_transition_time) {
    core::StrAppend(&text, " since ", core::FormatTimestamp(*ready->last_transition_time));
  }
  return text;
}

}  // namespace

JanitorDecision DecideReboot(const kube::RebootNode& request, const kube::Node* node,
                             absl::Time now, absl::Duration timeout) {
  if (auto common = DecideCommon(request, request.state(), request.Validate(), node != nullptr)) {
    return *std::move(common);
  }
  const absl::Time started = *request.start_time();
  const std::string name = request.node_name();
  if (node != nullptr) {
    std::optional<kube::Condition> ready = node->FindCondition("Ready");
    if (ready && ready->IsTrue() && ready->last_transition_time &&
        *ready->last_transition_time > started) {
      return {Step::kSucceed, std::string(kReasonNodeReady),
              core::StrCat("node ", name, " rebooted and is Ready again since ",
                           core::FormatTimestamp(*ready->last_transition_time)),
              absl::ZeroDuration()};
    }
  }
  const absl::Time deadline = started + timeout;
  if (now < deadline) return {Step::kWait, "", "", deadline - now};
  std::string message =
      core::StrCat("node ", name, " was not Ready again within ", core::DurationString(timeout),
                   " of the reboot request at ", core::FormatTimestamp(started), ": ");
  if (node == nullptr) {
    core::StrAppend(&message, "the node is no longer registered");
  } else {
    std::optional<kube::Condition> ready = node->FindCondition("Ready");
    const bool never_went_down = ready && ready->IsTrue();
    core::StrAppend(&message, "it ", DescribeReady(*node),
                    never_went_down ? " (it never went down: the reboot did not happen)" : "");
  }
  std::optional<kube::Condition> signal = request.FindCondition(kube::kRebootSignalSent);
  if (!signal || !signal->IsTrue()) {
    core::StrAppend(&message, "; the reboot signal was never confirmed sent");
  }
  return Fail(kReasonNodeNotReady, std::move(message));
}

JanitorDecision DecideReset(const kube::GpuReset& request, bool node_exists, absl::Time now,
                            absl::Duration timeout) {
  if (auto common = DecideCommon(request, request.state(), request.Validate(), node_exists)) {
    return *std::move(common);
  }
  const absl::Time started = *request.start_time();
  const absl::Time deadline = started + timeout;
  if (now < deadline) return {Step::kWait, "", "", deadline - now};
  return Fail(kReasonResetOutcomeUnknown,
              core::StrCat("the GPU reset of node ", request.node_name(), " started at ",
                           core::FormatTimestamp(started), " reported no outcome within ",
                           core::DurationString(timeout),
                           " (the janitor running it stopped); whether the GPUs were reset is "
                           "unknown, so ask for a new reset"));
}

}  // namespace nvsx::janitor
