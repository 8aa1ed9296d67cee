#pragma once

// The remediation controller's decisions for a Drained HealthEvent, as pure
// functions of the event, the other events and the time, so tests can call
// them without a cluster.

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "kube/indexed_cache.h"
#include "kube/types/health_event.h"

namespace nvsx::controller {

enum class RemediationKind {
  kNone,        // nothing to create: straight to Remediated (NONE, RESTART_APP)
  kRebootNode,  // a janitor RebootNode (RESTART_VM, RESTART_BM, REPLACE_VM)
  kGpuReset,    // a janitor GPUReset of the event's GPUs (COMPONENT_RESET)
  kManual,      // an operator's approval annotation (CONTACT_SUPPORT, RUN_FIELDDIAG,
                // RUN_DCGMEUD, UNKNOWN, and escalations)
};

std::string_view RemediationKindName(RemediationKind kind);  // "None", "RebootNode", ...

RemediationKind RemediationFor(kube::RecommendedAction action);

struct EscalationOptions {
  // This many fatal events on one GPU within the window (the event itself
  // counted) make the event manual (CONTACT_SUPPORT) instead of another
  // automatic reboot or reset. Events TTL has deleted no longer count, so
  // keep the TTL of Resolved events at least as long as the window.
  int max_faults = 5;
  absl::Duration window = absl::Hours(24);
};

struct EscalationVerdict {
  bool escalate = false;
  int count = 0;    // fatal events on the GPU within the window up to this one
  std::string gpu;  // the GPU counted on: its UUID, else "node/GPU index"
};

// When the event happened: spec.generatedTimestamp, else its creation time.
absl::Time EventTime(const kube::HealthEvent& event);

// The GPU an event is about: its GPU_UUID entity (lower-cased), else
// "node/index" from its GPU entity; empty when it names no GPU.
std::string GpuKey(const kube::HealthEvent& event);

// Counts the fatal, non-STORE_ONLY events among `events` on the same GPU as
// `event` that happened within `window` up to it (not after it, so the
// verdict for one event never changes as later ones arrive).
EscalationVerdict CountRepeatFaults(const kube::HealthEvent& event,
                                    const std::vector<kube::ObjectPtr>& events,
                                    const EscalationOptions& options);

// The GPU UUIDs the event names (GPU_UUID entities), as written.
std::vector<std::string> GpuUuids(const kube::HealthEvent& event);

// A remediation object's name, derived from the event's alone so a
// restarted controller finds the one it made: "<event>-<suffix>", shortened
// with a hash when too long for an object name.
std::string RemediationObjectName(const std::string& event, std::string_view suffix);

}  // namespace nvsx::controller
