#include "controller/quarantine_controller.h"

#include <optional>
#include <utility>

#include "controller/names.h"
#include "controller/quarantine_record.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/retry_on_conflict.h"
#include "kube/types/node_patches.h"

namespace nvsx::controller {
namespace {

kube::ResourceRef NodeRef(const std::string& name) {
  return {.group = "", .version = "v1", .resource = "nodes", .name = name};
}

kube::Condition QuarantinedCondition(kube::ConditionStatus status, std::string_view reason,
                                     std::string message) {
  kube::Condition condition;
  condition.type = kQuarantinedCondition;
  condition.status = status;
  condition.reason = reason;
  condition.message = std::move(message);
  return condition;
}

}  // namespace

QuarantineController::QuarantineController(kube::RestClient* client, core::WaitableClock* clock,
                                           EventWriter* writer, CircuitBreaker* breaker,
                                           const kube::IndexedCache* nodes,
                                           QuarantineOptions options, core::Logger logger)
    : client_(client),
      clock_(clock),
      writer_(writer),
      breaker_(breaker),
      nodes_(nodes),
      options_(std::move(options)),
      logger_(std::move(logger)) {}

std::vector<std::string> QuarantineController::WaitingEvents() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {waiting_.begin(), waiting_.end()};
}

void QuarantineController::Forget(const std::string& event) {
  std::lock_guard<std::mutex> lock(mu_);
  waiting_.erase(event);
}

absl::StatusOr<StepResult> QuarantineController::Reconcile(const kube::HealthEvent& event) {
  const std::string name = event.metadata().name();
  kube::ObjectPtr node_object = nodes_->Get(event.node_name());
  std::optional<kube::Node> node;
  if (node_object) node.emplace(node_object);
  const bool waited = HasConditionReason(event, kQuarantinedCondition, kReasonBreakerTripped);
  const QuarantineDecision decision = DecideQuarantine(event, node ? &*node : nullptr, waited);

  switch (decision.action) {
    case QuarantineAction::kHold: {
      Forget(name);
      const bool news = !HasConditionReason(event, kQuarantinedCondition, decision.reason);
      StatusChange change;
      change.condition =
          QuarantinedCondition(kube::ConditionStatus::kFalse, decision.reason, decision.message);
      NVSX_RETURN_IF_ERROR(writer_->Apply(event, change).status());
      if (news) {
        writer_->Record(event, "nvsentinel.nvidia.com/v1alpha1", "HealthEvent",
                        kube::EventType::kNormal, decision.reason, decision.message);
      }
      return StepResult::Stop();
    }
    case QuarantineAction::kCancel:
      return Finish(event, decision, kube::HealthEventPhase::kCancelled);
    case QuarantineAction::kResolve:
      return Finish(event, decision, kube::HealthEventPhase::kResolved);
    case QuarantineAction::kQuarantine:
      break;
  }

  if (decision.needs_breaker) {
    const BreakerVerdict verdict = breaker_->TryAdmit(event.node_name(), IndexedNodesView(nodes_));
    if (!verdict.allowed) return WaitForBreaker(event, verdict);
  }
  if (options_.dry_run) return DryRun(event, *node);
  absl::StatusOr<StepResult> result = Quarantine(event, *node);
  if (!result.ok() && decision.needs_breaker) {
    // The node may or may not carry the record now; the cache will tell the
    // breaker either way, so the admission need not be held.
    breaker_->Release(event.node_name());
  }
  return result;
}

absl::StatusOr<StepResult> QuarantineController::Finish(const kube::HealthEvent& event,
                                                        const QuarantineDecision& decision,
                                                        kube::HealthEventPhase phase) {
  const std::string name = event.metadata().name();
  Forget(name);
  StatusChange change;
  change.phase = phase;
  change.reason = decision.reason;
  change.message = decision.message;
  change.condition =
      QuarantinedCondition(kube::ConditionStatus::kFalse, decision.reason, decision.message);
  NVSX_ASSIGN_OR_RETURN(kube::HealthEvent written, writer_->Apply(event, change));
  const bool cancelled = phase == kube::HealthEventPhase::kCancelled;
  writer_->Record(written, "nvsentinel.nvidia.com/v1alpha1", "HealthEvent",
                  cancelled ? kube::EventType::kWarning : kube::EventType::kNormal, decision.reason,
                  cancelled ? core::StrCat("cancelled: ", decision.message) : decision.message);
  logger_.Info(cancelled ? "event cancelled" : "event resolved without quarantine",
               {{"event", name}, {"reason", decision.reason}});
  return StepResult::Stop();
}

absl::StatusOr<StepResult> QuarantineController::WaitForBreaker(const kube::HealthEvent& event,
                                                                const BreakerVerdict& verdict) {
  const std::string name = event.metadata().name();
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting_.insert(name);
  }
  const bool news = !HasConditionReason(event, kQuarantinedCondition, kReasonBreakerTripped);
  StatusChange change;
  change.condition =
      QuarantinedCondition(kube::ConditionStatus::kFalse, kReasonBreakerTripped,
                           core::StrCat("circuit breaker tripped: ", verdict.message,
                                        "; waiting, the fault is checked again when it resets"));
  NVSX_RETURN_IF_ERROR(writer_->Apply(event, change).status());
  if (news) {
    writer_->Record(event, "nvsentinel.nvidia.com/v1alpha1", "HealthEvent",
                    kube::EventType::kWarning, kReasonBreakerTripped, change.condition->message);
    logger_.Warn("circuit breaker holds a quarantine",
                 {{"event", name}, {"node", event.node_name()}, {"breaker", verdict.message}});
  }
  const absl::Time now = clock_->Now();
  absl::Duration wait = breaker_->options().window;
  if (verdict.next_expiry != absl::InfinitePast()) {
    wait = std::max(absl::Milliseconds(100), verdict.next_expiry - now);
  }
  return StepResult::Stop(ReconcileResult::After(wait));
}

absl::StatusOr<StepResult> QuarantineController::DryRun(const kube::HealthEvent& event,
                                                        const kube::Node& node) {
  Forget(event.metadata().name());
  const std::string message = core::StrCat(
      "dry run: would cordon node ", node.metadata().name(), ", taint it ",
      TaintString(TaintFor(options_, event)), " and set node condition ", event.check_name(),
      "=True", node.unschedulable() ? " (it is already cordoned by someone else)" : "");
  const bool news = !HasConditionReason(event, kQuarantinedCondition, kReasonDryRun);
  StatusChange change;
  change.condition = QuarantinedCondition(kube::ConditionStatus::kFalse, kReasonDryRun, message);
  NVSX_RETURN_IF_ERROR(writer_->Apply(event, change).status());
  if (news) {
    writer_->Record(event, "nvsentinel.nvidia.com/v1alpha1", "HealthEvent",
                    kube::EventType::kNormal, kReasonDryRun, message);
  }
  return StepResult::Stop();
}

absl::StatusOr<kube::Node> QuarantineController::QuarantineNode(const kube::HealthEvent& event,
                                                                const kube::Node& cached_node) {
  const std::string name = event.metadata().name();
  const kube::ResourceRef ref = NodeRef(event.node_name());
  const kube::Taint taint = TaintFor(options_, event);
  const std::string reason = core::StrCat(DescribeFault(event), " (HealthEvent ", name, ")");
  std::optional<kube::Node> result;
  // The first attempt patches from the cache: the patch carries the cached
  // resourceVersion, so a stale copy is a 409 and the retry reads afresh. A
  // cache that says there is nothing to do is confirmed with a read, since
  // it may not yet show a recovery that lifted the record.
  bool from_cache = true;
  NVSX_RETURN_IF_ERROR(kube::RetryOnConflict(kube::ConflictRetry{}, clock_, [&]() -> absl::Status {
    std::optional<kube::Node> node;
    std::optional<kube::ObjectPatch> patch;
    if (std::exchange(from_cache, false)) {
      patch = QuarantinePatch(cached_node, name, taint, reason, clock_->Now());
      if (patch) node.emplace(cached_node);
    }
    if (!node) {
      NVSX_ASSIGN_OR_RETURN(nlohmann::json current, client_->Get(ref));
      node.emplace(std::move(current));
      patch = QuarantinePatch(*node, name, taint, reason, clock_->Now());
    }
    if (!patch) {
      result.emplace(*std::move(node));
      return absl::OkStatus();
    }
    NVSX_ASSIGN_OR_RETURN(nlohmann::json written, client_->Patch(ref, patch->type, patch->body));
    result.emplace(std::move(written));
    return absl::OkStatus();
  }));
  return *result;
}

absl::Status QuarantineController::SetNodeCondition(const kube::HealthEvent& event,
                                                    const kube::Node& node) {
  std::optional<kube::Condition> present = node.FindCondition(event.check_name());
  if (present && present->IsTrue()) return absl::OkStatus();
  kube::Condition condition;
  condition.type = event.check_name();
  condition.status = kube::ConditionStatus::kTrue;
  condition.reason = kNodeConditionReason;
  condition.message =
      core::StrCat(DescribeFault(event), " (HealthEvent ", event.metadata().name(), ")");
  const kube::ObjectPatch patch = kube::SetNodeConditionPatch(node, condition, clock_->Now());
  return client_
      ->Patch(NodeRef(event.node_name()).WithSubresource("status"), patch.type, patch.body)
      .status();
}

absl::StatusOr<StepResult> QuarantineController::Quarantine(const kube::HealthEvent& event,
                                                            const kube::Node& cached_node) {
  const std::string name = event.metadata().name();
  const bool was_cordoned = cached_node.unschedulable();
  NVSX_ASSIGN_OR_RETURN(kube::Node node, QuarantineNode(event, cached_node));
  NVSX_RETURN_IF_ERROR(SetNodeCondition(event, node));
  const QuarantineRecord record = QuarantineRecord::FromNode(node);
  const std::string what = core::StrCat(
      "node ", node.metadata().name(),
      record.cordoned_by_us ? " cordoned" : " already cordoned by someone else", ", tainted ",
      TaintString(TaintFor(options_, event)), ", condition ", event.check_name(), "=True");
  StatusChange change;
  change.phase = kube::HealthEventPhase::kQuarantined;
  change.message = DescribeFault(event);
  change.condition = QuarantinedCondition(kube::ConditionStatus::kTrue, kReasonQuarantined, what);
  NVSX_ASSIGN_OR_RETURN(kube::HealthEvent written, writer_->Apply(event, change));
  writer_->Record(node, "v1", "Node", kube::EventType::kWarning, "NodeQuarantined",
                  core::StrCat("quarantined for HealthEvent ", name, ": ", DescribeFault(event)));
  writer_->Record(written, "nvsentinel.nvidia.com/v1alpha1", "HealthEvent",
                  kube::EventType::kNormal, kReasonQuarantined, what);
  logger_.Info(
      "node quarantined",
      {{"event", name}, {"node", node.metadata().name()}, {"cordoned_before", was_cordoned}});
  Forget(name);
  return StepResult::Advanced(std::move(written));
}

}  // namespace nvsx::controller
