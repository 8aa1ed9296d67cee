#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"
#include "kube/types/condition.h"
#include "kube/types/health_event.h"
#include "kube/types/object_patch.h"

namespace nvsx::controller {

class ControllerMetrics;

// A status change to make on a HealthEvent in one write: a phase move, a
// condition, pods evicted, the remediation object, in any combination.
struct StatusChange {
  std::optional<kube::HealthEventPhase> phase;
  std::string reason;   // of the phase
  std::string message;  // of the phase
  std::optional<kube::Condition> condition;
  std::vector<kube::PodRef> evicted_pods;
  std::optional<kube::RemediationRef> remediation;

  bool empty() const { return !phase && !condition && evicted_pods.empty() && !remediation; }
};

// Writes HealthEvent status (merge patches of healthevents/NAME/status that
// carry the resourceVersion read: a concurrent writer makes them a 409, and
// the reconcile starts over from the cache) and records Kubernetes Events.
// Thread-safe.
class EventWriter {
 public:
  // All pointers must outlive the writer; `recorder` and `metrics` may be null.
  EventWriter(kube::RestClient* client, const core::Clock* clock, kube::EventRecorder* recorder,
              ControllerMetrics* metrics);

  // Applies `change` to `event` in one patch and returns the event as written.
  // A condition equal to the one present (status, reason, message) and a
  // phase equal to the current one are left out; nothing left: no write.
  absl::StatusOr<kube::HealthEvent> Apply(const kube::HealthEvent& event,
                                          const StatusChange& change);

  // True when `cached` is a version of its event that this writer has
  // written over: the cache has not caught up with our own write yet, and
  // acting on it would repeat work and end in a 409. The informer delivers
  // the newer version (and wakes the event) soon after.
  bool Superseded(const kube::HealthEvent& cached);
  // Forgets what was written to the event `name` (it was deleted).
  void Forget(const std::string& name);

  // Queues a Kubernetes Event about `object` (never blocks). Objects read
  // from a list carry no apiVersion and kind: `api_version` and `kind` fill them.
  void Record(const kube::ObjectView& object, std::string_view api_version, std::string_view kind,
              kube::EventType type, std::string_view reason, std::string_view note);

  const core::Clock* clock() const { return clock_; }

 private:
  void ObservePhase(const kube::HealthEvent& before, kube::HealthEventPhase phase, absl::Time now);

  kube::RestClient* const client_;
  const core::Clock* const clock_;
  kube::EventRecorder* const recorder_;
  ControllerMetrics* const metrics_;
  std::mutex mu_;
  // Event name -> the resourceVersions our writes replaced that the cache
  // has not shown past yet; an entry goes once the cache shows a later one.
  std::map<std::string, std::set<std::string>> replaced_;
};

// True when `event` has condition `type` with `reason`.
bool HasConditionReason(const kube::HealthEvent& event, std::string_view type,
                        std::string_view reason);

}  // namespace nvsx::controller
