#include "controller/recovery_decision.h"

#include "controller/names.h"
#include "controller/remediation_decision.h"
#include "core/str_cat.h"
#include "core/time_format.h"

namespace nvsx::controller {
namespace {

RecoveryDecision Wait(std::string message) {
  return {false, std::string(kReasonAwaitingRecovery), std::move(message), false, {}};
}

// The healthy signal for `event`, or empty.
std::string HealthySignal(const kube::HealthEvent& event, const RecoveryInputs& inputs) {
  if (event.is_healthy()) return "the GPU reported healthy (isHealthy)";
  const std::string name = event.metadata().name();
  const absl::Time at = EventTime(event);
  for (const kube::ObjectPtr& object : inputs.node_events) {
    const kube::HealthEvent other(object);
    if (other.metadata().name() == name || !other.is_healthy()) continue;
    if (other.check_name() != event.check_name() || EventTime(other) <= at) continue;
    return core::StrCat("newer HealthEvent ", other.metadata().name(), " reports ",
                        event.check_name(), " healthy");
  }
  if (!event.remediation() && inputs.node != nullptr) {
    std::optional<kube::Condition> condition = inputs.node->FindCondition(event.check_name());
    if (!condition) return core::StrCat("node condition ", event.check_name(), " is gone");
    if (!condition->IsTrue()) {
      return core::StrCat("node condition ", event.check_name(), " is ",
                          kube::ConditionStatusName(condition->status));
    }
  }
  return "";
}

}  // namespace

bool HoldsNode(const kube::HealthEvent& other) {
  const kube::HealthEventPhase phase = other.phase();
  if (kube::IsTerminal(phase)) return false;
  if (phase != kube::HealthEventPhase::kNew) return true;
  return other.is_fatal() && !other.is_healthy() && !other.StoreOnly();
}

RecoveryDecision DecideRecovery(const kube::HealthEvent& event, const RecoveryInputs& inputs) {
  const std::string node_name = event.node_name();
  if (inputs.node != nullptr) {
    std::optional<kube::Condition> ready = inputs.node->FindCondition("Ready");
    if (!ready || !ready->IsTrue()) {
      return Wait(core::StrCat("waiting for node ", node_name, " to be Ready"));
    }
    if (inputs.reboot_started && ready->last_transition_time) {
      // Condition times have whole seconds.
      const absl::Time started = absl::FromUnixSeconds(absl::ToUnixSeconds(*inputs.reboot_started));
      if (*ready->last_transition_time < started) {
        return Wait(core::StrCat("waiting for node ", node_name,
                                 " to come back from its reboot (Ready since ",
                                 core::FormatTimestamp(*ready->last_transition_time),
                                 ", the reboot started ", core::FormatTimestamp(started), ")"));
      }
    }
  }
  const std::string signal = HealthySignal(event, inputs);
  if (signal.empty()) {
    return Wait(
        core::StrCat("waiting for the GPU to report healthy: the publisher marks HealthEvent ",
                     event.metadata().name(), " isHealthy, or a newer healthy event for ",
                     event.check_name(), " on node ", node_name));
  }
  RecoveryDecision decision;
  decision.resolve = true;
  const std::string name = event.metadata().name();
  for (const kube::ObjectPtr& object : inputs.node_events) {
    const kube::HealthEvent other(object);
    if (other.metadata().name() != name && HoldsNode(other)) {
      decision.holders.push_back(other.metadata().name());
    }
  }
  decision.release_node = inputs.node != nullptr && decision.holders.empty();
  if (inputs.node == nullptr) {
    decision.reason = kReasonRecovered;
    decision.message = core::StrCat(signal, "; node ", node_name, " no longer exists");
  } else if (decision.release_node) {
    decision.reason = kReasonRecovered;
    decision.message = core::StrCat(signal, "; node ", node_name, " is Ready");
  } else {
    std::string holders;
    for (const std::string& holder : decision.holders) {
      core::StrAppend(&holders, holders.empty() ? "" : ", ", holder);
    }
    decision.reason = kReasonNodeHeld;
    decision.message =
        core::StrCat(signal, "; node ", node_name, " stays quarantined for open faults: ", holders);
  }
  return decision;
}

}  // namespace nvsx::controller
