#include "controller/event_writer.h"

#include "controller/controller_metrics.h"
#include "kube/types/health_event_patches.h"

namespace nvsx::controller {

EventWriter::EventWriter(kube::RestClient* client, const core::Clock* clock,
                         kube::EventRecorder* recorder, ControllerMetrics* metrics)
    : client_(client), clock_(clock), recorder_(recorder), metrics_(metrics) {}

void EventWriter::ObservePhase(const kube::HealthEvent& before, kube::HealthEventPhase phase,
                               absl::Time now) {
  metrics_->PhaseEntered(phase);
  if (phase == kube::HealthEventPhase::kQuarantined) {
    std::optional<absl::Time> detected = before.spec().generated_timestamp;
    if (!detected) detected = before.PhaseTime(kube::HealthEventPhase::kNew);
    if (detected) metrics_->ObserveDetectToQuarantine(now - *detected);
  } else if (phase == kube::HealthEventPhase::kDrained) {
    if (auto quarantined = before.PhaseTime(kube::HealthEventPhase::kQuarantined)) {
      metrics_->ObserveQuarantineToDrained(now - *quarantined);
    }
  } else if (phase == kube::HealthEventPhase::kRemediated) {
    if (auto drained = before.PhaseTime(kube::HealthEventPhase::kDrained)) {
      metrics_->ObserveDrainedToRemediated(now - *drained);
    }
  } else if (phase == kube::HealthEventPhase::kResolved) {
    std::optional<absl::Time> detected = before.spec().generated_timestamp;
    if (!detected) detected = before.PhaseTime(kube::HealthEventPhase::kNew);
    if (detected) metrics_->ObserveDetectToResolved(now - *detected);
  }
}

absl::StatusOr<kube::HealthEvent> EventWriter::Apply(const kube::HealthEvent& event,
                                                     const StatusChange& change) {
  const absl::Time now = clock_->Now();
  nlohmann::json status = nlohmann::json::object();
  const bool phase_changes = change.phase && (!event.HasPhase() || event.phase() != *change.phase ||
                                              event.status_reason() != change.reason);
  if (phase_changes) {
    status.update(
        kube::HealthEventPhasePatch(event, *change.phase, now, change.reason, change.message)
            .body["status"]);
  }
  if (change.condition) {
    const std::vector<kube::Condition> current = event.conditions();
    const kube::Condition* present = kube::FindCondition(current, change.condition->type);
    if (present == nullptr || present->status != change.condition->status ||
        present->reason != change.condition->reason ||
        present->message != change.condition->message) {
      status.update(kube::HealthEventConditionPatch(event, *change.condition, now).body["status"]);
    }
  }
  if (!change.evicted_pods.empty()) {
    status.update(kube::HealthEventEvictedPodsPatch(event, change.evicted_pods).body["status"]);
  }
  if (change.remediation && event.remediation() != change.remediation) {
    status.update(kube::HealthEventRemediationPatch(event, *change.remediation).body["status"]);
  }
  if (status.empty()) return event;
  const nlohmann::json patch = {
      {"metadata", {{"resourceVersion", event.metadata().resource_version()}}},
      {"status", std::move(status)}};
  absl::StatusOr<nlohmann::json> written = client_->Patch(
      kube::HealthEventsResource().WithName(event.metadata().name()).WithSubresource("status"),
      kube::PatchType::kMerge, patch);
  if (!written.ok()) return written.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    replaced_[event.metadata().name()].insert(event.metadata().resource_version());
  }
  // A new reason within the same phase is no transition.
  const bool entered = phase_changes && (!event.HasPhase() || event.phase() != *change.phase);
  if (entered && metrics_ != nullptr) ObservePhase(event, *change.phase, now);
  return kube::HealthEvent(*std::move(written));
}

bool EventWriter::Superseded(const kube::HealthEvent& cached) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = replaced_.find(cached.metadata().name());
  if (it == replaced_.end()) return false;
  if (it->second.contains(cached.metadata().resource_version())) return true;
  // The cache shows a version no write of ours replaced: it has caught up
  // (a cache never goes back to an older version).
  replaced_.erase(it);
  return false;
}

void EventWriter::Forget(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  replaced_.erase(name);
}

void EventWriter::Record(const kube::ObjectView& object, std::string_view api_version,
                         std::string_view kind, kube::EventType type, std::string_view reason,
                         std::string_view note) {
  if (recorder_ == nullptr) return;
  kube::ObjectReference reference = kube::ObjectReference::To(object);
  if (reference.api_version.empty()) reference.api_version = api_version;
  if (reference.kind.empty()) reference.kind = kind;
  recorder_->Record(reference, type, reason, "", note);
}

bool HasConditionReason(const kube::HealthEvent& event, std::string_view type,
                        std::string_view reason) {
  const std::vector<kube::Condition> conditions = event.conditions();
  const kube::Condition* condition = kube::FindCondition(conditions, type);
  return condition != nullptr && condition->reason == reason;
}

}  // namespace nvsx::controller
