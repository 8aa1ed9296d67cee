#include "controller/quarantine_decision.h"

#include <algorithm>

#include "controller/names.h"
#include "controller/quarantine_record.h"
#include "core/str_cat.h"

namespace nvsx::controller {
namespace {

QuarantineDecision Hold(std::string_view reason, std::string message) {
  return {QuarantineAction::kHold, std::string(reason), std::move(message), false};
}

QuarantineDecision Cancel(std::string_view reason, std::string message) {
  return {QuarantineAction::kCancel, std::string(reason), std::move(message), false};
}

}  // namespace

kube::Taint TaintFor(const QuarantineOptions& options, const kube::HealthEvent& event) {
  const std::string check = event.check_name();
  auto rule = options.taints_by_check.find(check);
  const TaintRule& chosen =
      rule == options.taints_by_check.end() ? options.default_taint : rule->second;
  kube::Taint taint;
  taint.key = chosen.key;
  taint.effect = chosen.effect;
  if (kube::IsLabelValue(check)) taint.value = check;
  return taint;
}

std::string DescribeFault(const kube::HealthEvent& event) {
  const kube::HealthEventSpec spec = event.spec();
  std::string text = spec.check_name;
  if (!spec.error_codes.empty()) {
    std::string codes;
    for (const std::string& code : spec.error_codes) {
      core::StrAppend(&codes, codes.empty() ? "" : ",", code);
    }
    core::StrAppend(&text, " (XID ", codes, ")");
  }
  for (const kube::ImpactedEntity& entity : spec.entities_impacted) {
    if (entity.type == "GPU") {
      core::StrAppend(&text, " on GPU ", entity.value);
      break;
    }
  }
  return text;
}

QuarantineDecision DecideQuarantine(const kube::HealthEvent& event, const kube::Node* node,
                                    bool waited_on_breaker) {
  const kube::HealthEventSpec spec = event.spec();
  if (spec.processing_strategy == kube::ProcessingStrategy::kStoreOnly) {
    return Hold(kReasonStoreOnly, "processingStrategy STORE_ONLY: recorded, nothing changed");
  }
  if (spec.is_healthy) {
    const std::vector<kube::Condition> conditions = event.conditions();
    const kube::Condition* held = kube::FindCondition(conditions, kQuarantinedCondition);
    if (held != nullptr && held->reason == kReasonNotFatal) {
      return {QuarantineAction::kResolve, std::string(kReasonFaultCleared),
              "the fault cleared; the node stayed in service throughout", false};
    }
    if (waited_on_breaker) {
      return Cancel(kReasonFaultCleared,
                    "the fault cleared while the circuit breaker held the quarantine");
    }
    return Hold(kReasonHealthySignal, "a healthy signal: nothing to quarantine");
  }
  if (spec.quarantine_overrides.skip) {
    return Cancel(kReasonQuarantineSkipped, "quarantineOverrides.skip is set");
  }
  if (!spec.is_fatal && !spec.quarantine_overrides.force) {
    return Hold(kReasonNotFatal, "not fatal: recorded, the node stays in service");
  }
  if (node == nullptr) {
    return Cancel(kReasonNodeNotFound, core::StrCat("node ", spec.node_name, " does not exist"));
  }
  if (node->metadata().Label(kQuarantineOptOutLabel) == std::string(kQuarantineOptOutValue)) {
    return Cancel(kReasonOptOut, core::StrCat("node ", spec.node_name, " is labelled ",
                                              kQuarantineOptOutLabel, "=", kQuarantineOptOutValue));
  }
  QuarantineDecision decision{QuarantineAction::kQuarantine, std::string(kReasonQuarantined),
                              DescribeFault(event), false};
  // A node some event already holds is out of service: no new capacity is lost.
  decision.needs_breaker =
      !QuarantineRecord::FromNode(*node).present && !spec.quarantine_overrides.force;
  return decision;
}

}  // namespace nvsx::controller
