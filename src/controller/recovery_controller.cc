#include "controller/recovery_controller.h"

#include <algorithm>
#include <optional>

#include "controller/names.h"
#include "controller/quarantine_record.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/retry_on_conflict.h"
#include "kube/types/node.h"
#include "kube/types/reboot_node.h"

namespace nvsx::controller {
namespace {

constexpr char kHealthEventApi[] = "nvsentinel.nvidia.com/v1alpha1";

kube::ResourceRef NodeRef(const std::string& name) {
  return {.group = "", .version = "v1", .resource = "nodes", .name = name};
}

kube::Condition ResolvedCondition(kube::ConditionStatus status, std::string_view reason,
                                  std::string message) {
  kube::Condition condition;
  condition.type = kResolvedCondition;
  condition.status = status;
  condition.reason = reason;
  condition.message = std::move(message);
  return condition;
}

}  // namespace

RecoveryController::RecoveryController(kube::RestClient* client, core::WaitableClock* clock,
                                       EventWriter* writer, const kube::IndexedCache* nodes,
                                       const kube::IndexedCache* events,
                                       const kube::IndexedCache* reboot_nodes,
                                       RecoveryOptions options, core::Logger logger)
    : client_(client),
      clock_(clock),
      writer_(writer),
      nodes_(nodes),
      events_(events),
      reboot_nodes_(reboot_nodes),
      options_(std::move(options)),
      logger_(std::move(logger)) {}

std::optional<absl::Time> RecoveryController::RebootStarted(const kube::HealthEvent& event) {
  std::optional<kube::RemediationRef> ref = event.remediation();
  if (!ref || ref->kind != "RebootNode") return std::nullopt;
  if (kube::ObjectPtr reboot = reboot_nodes_->Get(ref->name)) {
    if (auto started = kube::RebootNode(reboot).start_time()) return started;
  }
  // The object is gone (its own TTL): the reboot began after the drain.
  return event.PhaseTime(kube::HealthEventPhase::kDrained);
}

absl::StatusOr<StepResult> RecoveryController::Reconcile(const kube::HealthEvent& event) {
  const std::string name = event.metadata().name();
  const std::string node_name = event.node_name();
  RecoveryInputs inputs;
  kube::ObjectPtr node_object = nodes_->Get(node_name);
  std::optional<kube::Node> node;
  if (node_object) {
    node.emplace(node_object);
    inputs.node = &*node;
  }
  inputs.reboot_started = RebootStarted(event);
  NVSX_ASSIGN_OR_RETURN(inputs.node_events, events_->ByIndex(kube::kNodeNameIndex, node_name));
  const RecoveryDecision decision = DecideRecovery(event, inputs);

  if (!decision.resolve || options_.dry_run) {
    const std::string_view reason = decision.resolve ? kReasonDryRun : decision.reason;
    const std::string message = decision.resolve
                                    ? core::StrCat("dry run: would resolve: ", decision.message)
                                    : decision.message;
    const bool news = !HasConditionReason(event, kResolvedCondition, reason);
    StatusChange change;
    change.condition = ResolvedCondition(kube::ConditionStatus::kFalse, reason, message);
    NVSX_ASSIGN_OR_RETURN(kube::HealthEvent written, writer_->Apply(event, change));
    if (news) {
      writer_->Record(written, kHealthEventApi, "HealthEvent", kube::EventType::kNormal, reason,
                      message);
    }
    // Node and event changes wake the event; the requeue bounds a missed one.
    return StepResult::Stop(ReconcileResult::After(absl::Minutes(1)));
  }

  std::optional<kube::Node> released;
  if (node) {
    NVSX_ASSIGN_OR_RETURN(released, ReleaseNode(event, decision));
  }
  StatusChange change;
  change.phase = kube::HealthEventPhase::kResolved;
  change.condition =
      ResolvedCondition(kube::ConditionStatus::kTrue, decision.reason, decision.message);
  NVSX_ASSIGN_OR_RETURN(kube::HealthEvent written, writer_->Apply(event, change));
  writer_->Record(written, kHealthEventApi, "HealthEvent", kube::EventType::kNormal,
                  kReasonRecovered, decision.message);
  if (released) {
    std::string what;
    if (!decision.release_node) {
      what = core::StrCat("stays quarantined: ", decision.message);
    } else if (released->unschedulable()) {
      what = core::StrCat("quarantine lifted (HealthEvent ", name,
                          " resolved); stays cordoned: the cordon is someone else's");
    } else {
      what = core::StrCat("quarantine lifted and uncordoned (HealthEvent ", name, " resolved)");
    }
    writer_->Record(*released, "v1", "Node", kube::EventType::kNormal,
                    decision.release_node ? "NodeReleased" : kReasonNodeHeld, what);
  }
  logger_.Info("event resolved", {{"event", name},
                                  {"node", node_name},
                                  {"node_released", decision.release_node},
                                  {"detail", decision.message}});
  return StepResult::Advanced(std::move(written));
}

absl::StatusOr<kube::Node> RecoveryController::ReleaseNode(const kube::HealthEvent& event,
                                                           const RecoveryDecision& decision) {
  const std::string name = event.metadata().name();
  const kube::ResourceRef ref = NodeRef(event.node_name());
  std::optional<kube::Node> latest;
  NVSX_RETURN_IF_ERROR(kube::RetryOnConflict(kube::ConflictRetry{}, clock_, [&]() -> absl::Status {
    NVSX_ASSIGN_OR_RETURN(nlohmann::json current, client_->Get(ref));
    kube::Node node(std::move(current));
    std::optional<kube::ObjectPatch> patch = ReleasePatch(node, name, decision.release_node);
    if (!patch) {
      latest.emplace(node);
      return absl::OkStatus();
    }
    NVSX_ASSIGN_OR_RETURN(nlohmann::json written, client_->Patch(ref, patch->type, patch->body));
    latest.emplace(std::move(written));
    return absl::OkStatus();
  }));
  // The check's node condition is ours to remove when quarantine set it and
  // no open fault of the same check remains on the node.
  std::optional<kube::Condition> condition = latest->FindCondition(event.check_name());
  if (!condition || condition->reason != kNodeConditionReason) return *latest;
  for (const std::string& holder : decision.holders) {
    kube::ObjectPtr other = events_->Get(holder);
    if (other && kube::HealthEvent(other).check_name() == event.check_name()) return *latest;
  }
  const nlohmann::json body = {
      {"status",
       {{"conditions",
         nlohmann::json::array({{{"type", event.check_name()}, {"$patch", "delete"}}})}}}};
  NVSX_RETURN_IF_ERROR(
      client_->Patch(ref.WithSubresource("status"), kube::PatchType::kStrategicMerge, body)
          .status());
  return *latest;
}

}  // namespace nvsx::controller
