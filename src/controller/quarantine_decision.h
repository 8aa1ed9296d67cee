#pragma once

// The quarantine controller's decision for a New HealthEvent, as a pure
// function of the event, its node and the configuration, so tests can call
// it without a cluster.

#include <map>
#include <string>

#include "kube/types/health_event.h"
#include "kube/types/node.h"

namespace nvsx::controller {

// The taint a check's events put on the node.
struct TaintRule {
  std::string key = "nvidia.com/gpu-error";
  std::string effect = "NoSchedule";
};

struct QuarantineOptions {
  TaintRule default_taint;
  std::map<std::string, TaintRule> taints_by_check;  // check name -> taint
  // Decide and record (status condition, Events) but change no node.
  bool dry_run = false;
};

// The taint for `event`: its check's rule (or the default), valued with the
// check name when that is a valid label value.
kube::Taint TaintFor(const QuarantineOptions& options, const kube::HealthEvent& event);

enum class QuarantineAction {
  kHold,        // stay New, with a Quarantined=False condition saying why
  kCancel,      // terminal Cancelled, with a reason
  kResolve,     // terminal Resolved: a fault that never took the node out of service cleared
  kQuarantine,  // cordon, taint, condition, record; then phase Quarantined
};

struct QuarantineDecision {
  QuarantineAction action = QuarantineAction::kHold;
  std::string reason;   // names.h reasons
  std::string message;  // for the condition or the phase
  // kQuarantine of a node that no event holds yet: the circuit breaker decides.
  bool needs_breaker = false;
};

// `node` is null when the node does not exist. `waited_on_breaker`: the event
// was parked by a tripped breaker (its condition says so), so a fault that
// cleared meanwhile cancels it instead of leaving it open. A non-fatal event
// held as such (its condition says NotFatal) resolves once it turns healthy.
QuarantineDecision DecideQuarantine(const kube::HealthEvent& event, const kube::Node* node,
                                    bool waited_on_breaker);

// A one-line cause for messages and the node record: "SysLogsXIDError (XID 79) on GPU 3".
std::string DescribeFault(const kube::HealthEvent& event);

}  // namespace nvsx::controller
