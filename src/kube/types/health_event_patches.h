#pragma once

// The writes controllers make to HealthEvents. Status patches are JSON merge
// patches for healthevents/NAME/status (custom resources take no strategic
// merge) and carry the resourceVersion read, so a concurrent writer makes them
// a 409 Conflict: re-read and decide again.

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "kube/types/condition.h"
#include "kube/types/health_event.h"
#include "kube/types/object_patch.h"

namespace nvsx::kube {

// A new HealthEvent object named `name`, for Create on HealthEventsResource().
nlohmann::json NewHealthEvent(const std::string& name, const HealthEventSpec& spec);

// Moves `event` to `phase`: status.phase, reason and message (cleared when
// empty), observedGeneration, and phaseTimes[phase] = `now` (RFC 3339,
// milliseconds) unless the phase already has a time: re-entering a phase
// after a restart keeps when it was first entered. Other phaseTimes stay.
ObjectPatch HealthEventPhasePatch(const HealthEvent& event, HealthEventPhase phase, absl::Time now,
                                  std::string_view reason = "", std::string_view message = "");

// Sets one status condition by type (the full list, as merge patches replace lists).
ObjectPatch HealthEventConditionPatch(const HealthEvent& event, Condition condition,
                                      absl::Time now);

// Records the remediation object created for the event.
ObjectPatch HealthEventRemediationPatch(const HealthEvent& event,
                                        const RemediationRef& remediation);

// Adds `pods` to status.evictedPods (those already listed are not repeated).
ObjectPatch HealthEventEvictedPodsPatch(const HealthEvent& event, const std::vector<PodRef>& pods);

}  // namespace nvsx::kube
