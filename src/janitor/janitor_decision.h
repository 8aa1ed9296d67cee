#pragma once

// What the janitor does next with one request, as pure functions of the
// request, its node and the time, so every branch is testable without a
// cluster. The decision is level-triggered: it reads only the objects, never
// what this process did before, so a restarted janitor decides the same.

#include <string>

#include "absl/time/time.h"
#include "kube/types/gpu_reset.h"
#include "kube/types/node.h"
#include "kube/types/reboot_node.h"

namespace nvsx::janitor {

struct JanitorDecision {
  enum class Step {
    kLeave,    // completed: nothing to do, ever
    kStart,    // not started: claim it and ask the backend
    kWait,     // started: look again within `wait`
    kSucceed,  // started and done: success condition True
    kFail,     // cannot be done or did not happen in time: success condition False
  };
  Step step = Step::kLeave;
  std::string reason;                          // kSucceed, kFail: of the success condition
  std::string message;                         // kSucceed, kFail: what happened, or what did not
  absl::Duration wait = absl::ZeroDuration();  // kWait
};

// A RebootNode is done when its node's Ready condition is True with a
// lastTransitionTime after status.startTime: the node went down (NotReady or
// Unknown) and came back. `node` is null when no such Node exists. Not done
// within `timeout` of startTime: failed, saying how the node stands.
JanitorDecision DecideReboot(const kube::RebootNode& request, const kube::Node* node,
                             absl::Time now, absl::Duration timeout);

// A GPUReset is carried out in one call to the backend, which the janitor
// that starts it completes; one found started (its janitor stopped or lost
// the Lease meanwhile) is waited for until `timeout` after startTime and then
// failed, since whether the reset happened cannot be known.
JanitorDecision DecideReset(const kube::GpuReset& request, bool node_exists, absl::Time now,
                            absl::Duration timeout);

}  // namespace nvsx::janitor
