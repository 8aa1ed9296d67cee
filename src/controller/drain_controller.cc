#include "controller/drain_controller.h"

#include <algorithm>
#include <functional>

#include "controller/controller_metrics.h"
#include "controller/names.h"
#include "core/duration.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/api_error.h"

namespace nvsx::controller {
namespace {

constexpr char kHealthEventApi[] = "nvsentinel.nvidia.com/v1alpha1";
// Messages name at most this many pods.
constexpr size_t kMaxNamed = 10;
// How long this process remembers a pod it evicted (its cache shows the
// pod gone or terminating long before).
constexpr absl::Duration kLedgerTtl = absl::Hours(1);

kube::Condition DrainedCondition(kube::ConditionStatus status, std::string_view reason,
                                 std::string message) {
  kube::Condition condition;
  condition.type = kDrainedCondition;
  condition.status = status;
  condition.reason = reason;
  condition.message = std::move(message);
  return condition;
}

}  // namespace

DrainController::DrainController(kube::RestClient* client, core::WaitableClock* clock,
                                 EventWriter* writer, ControllerMetrics* metrics,
                                 const kube::IndexedCache* pods, DrainOptions options,
                                 core::Logger logger)
    : client_(client),
      clock_(clock),
      writer_(writer),
      metrics_(metrics),
      pods_(pods),
      options_(std::move(options)),
      logger_(std::move(logger)) {}

std::mutex& DrainController::NodeLock(const std::string& node) {
  return node_locks_[std::hash<std::string>{}(node) % node_locks_.size()];
}

EvictedBefore DrainController::EvictedFor(const kube::HealthEvent& event) {
  EvictedBefore evicted;
  for (const kube::PodRef& pod : event.evicted_pods()) evicted.keys.insert(PodKey(pod));
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = clock_->Now();
  std::erase_if(ledger_, [&](const auto& entry) { return now - entry.second.at > kLedgerTtl; });
  for (const auto& [uid, entry] : ledger_) evicted.uids.insert(uid);
  return evicted;
}

std::string DrainController::Describe(const PodStep& step) const {
  std::string why;
  switch (step.action) {
    case PodAction::kEvict: {
      std::lock_guard<std::mutex> lock(mu_);
      auto blocked = blocked_.find(step.uid);
      why = blocked == blocked_.end() ? "to evict" : blocked->second;
      break;
    }
    case PodAction::kDelete:
      why = "to delete";
      break;
    case PodAction::kAwaitGone:
      why = "terminating";
      break;
    case PodAction::kAwaitCompletion:
      why = core::StrCat(DrainModeName(step.mode), ": waiting for it to finish");
      break;
  }
  return core::StrCat(PodKey(step.pod), " (", why, ")");
}

absl::StatusOr<StepResult> DrainController::Finish(const kube::HealthEvent& event,
                                                   kube::HealthEventPhase phase,
                                                   std::string_view reason,
                                                   const std::string& message) {
  const bool failed = phase == kube::HealthEventPhase::kFailed;
  StatusChange change;
  change.phase = phase;
  if (failed) {
    change.reason = reason;
    change.message = message;
  }
  change.condition = DrainedCondition(
      failed ? kube::ConditionStatus::kFalse : kube::ConditionStatus::kTrue, reason, message);
  NVSX_ASSIGN_OR_RETURN(kube::HealthEvent written, writer_->Apply(event, change));
  writer_->Record(written, kHealthEventApi, "HealthEvent",
                  failed ? kube::EventType::kWarning : kube::EventType::kNormal, reason, message);
  logger_.Info(
      failed ? "drain failed" : "node drained",
      {{"event", event.metadata().name()}, {"node", event.node_name()}, {"detail", message}});
  if (failed) return StepResult::Stop();
  return StepResult::Advanced(std::move(written));
}

DrainController::Outcome DrainController::Act(const kube::HealthEvent& event,
                                              const DrainPlan& plan) {
  Outcome outcome;
  kube::DeleteOptions eviction;
  eviction.grace_period_seconds = options_.eviction_grace_seconds;
  for (const PodStep& step : plan.pending) {
    if (step.action != PodAction::kEvict && step.action != PodAction::kDelete) continue;
    absl::Status status;
    if (step.action == PodAction::kEvict) {
      status = client_->Evict(step.pod.namespace_name, step.pod.name, eviction);
    } else {
      kube::DeleteOptions remove;
      remove.precondition_uid = step.uid;
      status = client_->Delete({.group = "",
                                .version = "v1",
                                .resource = "pods",
                                .namespace_name = step.pod.namespace_name,
                                .name = step.pod.name},
                               remove);
    }
    const std::string outcome_name = step.action == PodAction::kEvict ? "evicted" : "deleted";
    if (status.ok() || kube::apierrors::IsNotFound(status)) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        ledger_[step.uid] = {step.pod, clock_->Now()};
        blocked_.erase(step.uid);
      }
      evictions_.fetch_add(1);
      if (metrics_ != nullptr) metrics_->Eviction(outcome_name);
      outcome.evicted.push_back(step.pod);
      writer_->Record(
          event, kHealthEventApi, "HealthEvent", kube::EventType::kNormal,
          step.action == PodAction::kEvict ? "PodEvicted" : "PodDeleted",
          core::StrCat(outcome_name, " ", PodKey(step.pod), " from node ", event.node_name()));
    } else if (kube::apierrors::IsTooManyRequests(status)) {
      const std::string why = core::StrCat("eviction refused: ", status.message());
      {
        std::lock_guard<std::mutex> lock(mu_);
        blocked_[step.uid] = why;
      }
      if (metrics_ != nullptr) metrics_->Eviction("blocked");
      outcome.blocked[step.uid] = why;
    } else {
      if (metrics_ != nullptr) metrics_->Eviction("failed");
      if (outcome.error.ok()) {
        outcome.error = core::Annotate(status, core::StrCat(outcome_name, " ", PodKey(step.pod)));
      }
    }
  }
  return outcome;
}

absl::StatusOr<StepResult> DrainController::Reconcile(const kube::HealthEvent& event) {
  if (event.spec().drain_overrides.skip) {
    return Finish(event, kube::HealthEventPhase::kDrained, kReasonDrainSkipped,
                  "drainOverrides.skip is set: no pod was evicted");
  }
  const std::string node = event.node_name();
  std::lock_guard<std::mutex> node_lock(NodeLock(node));
  const absl::Time now = clock_->Now();
  const absl::Time started = event.PhaseTime(kube::HealthEventPhase::kQuarantined).value_or(now);
  NVSX_ASSIGN_OR_RETURN(std::vector<kube::ObjectPtr> pods,
                        pods_->ByIndex(kube::kNodeNameIndex, node));
  const EvictedBefore evicted = EvictedFor(event);
  const DrainPlan plan = PlanDrain(event, pods, options_, started, now, evicted);

  if (!plan.stuck.empty()) {
    std::string names;
    for (size_t i = 0; i < plan.stuck.size() && i < kMaxNamed; ++i) {
      core::StrAppend(&names, i == 0 ? "" : ", ", Describe(plan.stuck[i]));
    }
    if (plan.stuck.size() > kMaxNamed)
      core::StrAppend(&names, ", and ", plan.stuck.size() - kMaxNamed, " more");
    return Finish(event, kube::HealthEventPhase::kFailed, kReasonDrainTimeout,
                  core::StrCat("drain of node ", node, " stuck past ",
                               core::DurationString(options_.timeout), ", blocked by ", names));
  }
  if (plan.Done()) {
    return Finish(event, kube::HealthEventPhase::kDrained, kReasonDrained,
                  core::StrCat("no pod left to drain (", event.evicted_pods().size(), " evicted, ",
                               plan.skipped, " left alone)"));
  }

  const Outcome outcome = Act(event, plan);
  // Pods this process evicted that status does not list yet (a write lost
  // to a conflict or a crash) are recorded with this pass's.
  std::vector<kube::PodRef> record = outcome.evicted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const PodStep& step : plan.pending) {
      if (step.action == PodAction::kAwaitGone && ledger_.contains(step.uid) &&
          !evicted.keys.contains(PodKey(step.pod))) {
        record.push_back(step.pod);
      }
    }
  }
  std::string waiting;
  size_t named = 0;
  for (const PodStep& step : plan.pending) {
    if (named++ == kMaxNamed) {
      core::StrAppend(&waiting, ", ...");
      break;
    }
    core::StrAppend(&waiting, waiting.empty() ? "" : ", ", Describe(step));
  }
  StatusChange change;
  change.condition = DrainedCondition(kube::ConditionStatus::kFalse, kReasonDraining,
                                      core::StrCat(plan.pending.size(), " pods to go: ", waiting));
  change.evicted_pods = std::move(record);
  NVSX_RETURN_IF_ERROR(writer_->Apply(event, change).status());
  NVSX_RETURN_IF_ERROR(outcome.error);

  ReconcileResult next;
  next.backoff = !outcome.blocked.empty();
  // Pods going away wake the event through the pod informer; a deadline or a
  // delete falling due does not, so it is asked for.
  // A minute at most, so a missed wake-up costs no more.
  next.requeue_after = absl::Minutes(1);
  if (plan.next_change) {
    next.requeue_after =
        std::clamp(*plan.next_change - now, absl::Milliseconds(10), absl::Minutes(1));
  }
  return StepResult::Stop(next);
}

}  // namespace nvsx::controller
