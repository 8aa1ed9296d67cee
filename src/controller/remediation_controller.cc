#include "controller/remediation_controller.h"

#include <functional>

#include "controller/controller_metrics.h"
#include "controller/names.h"
#include "controller/quarantine_decision.h"
#include "core/duration.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/api_error.h"
#include "kube/types/gpu_reset.h"
#include "kube/types/janitor_patches.h"
#include "kube/types/reboot_node.h"

namespace nvsx::controller {
namespace {

constexpr char kHealthEventApi[] = "nvsentinel.nvidia.com/v1alpha1";
// How long this process remembers a RebootNode it made (its cache shows it
// long before).
constexpr absl::Duration kRecentReboot = absl::Minutes(10);

std::string JanitorApi() { return core::StrCat(kube::kJanitorGroup, "/", kube::kJanitorVersion); }

kube::ResourceRef ResourceOf(std::string_view kind) {
  return kind == "RebootNode" ? kube::RebootNodesResource() : kube::GpuResetsResource();
}

kube::Condition RemediatedCondition(kube::ConditionStatus status, std::string_view reason,
                                    std::string message) {
  kube::Condition condition;
  condition.type = kRemediatedCondition;
  condition.status = status;
  condition.reason = reason;
  condition.message = std::move(message);
  return condition;
}

kube::RemediationRef RefTo(std::string_view kind, const nlohmann::json& object) {
  return {JanitorApi(), std::string(kind), kube::ObjectMeta(object).name()};
}

kube::ObjectView NodeView(const std::string& node) {
  return kube::ObjectView(
      nlohmann::json{{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", node}}}});
}

}  // namespace

kube::JanitorState RemediationState(const nlohmann::json& object, std::string_view kind) {
  return kind == "RebootNode" ? kube::RebootNode(object).state() : kube::GpuReset(object).state();
}

RemediationController::RemediationController(kube::RestClient* client, core::WaitableClock* clock,
                                             EventWriter* writer, ControllerMetrics* metrics,
                                             const kube::IndexedCache* events,
                                             const kube::IndexedCache* reboot_nodes,
                                             const kube::IndexedCache* gpu_resets,
                                             RemediationOptions options, core::Logger logger)
    : client_(client),
      clock_(clock),
      writer_(writer),
      metrics_(metrics),
      events_(events),
      reboot_nodes_(reboot_nodes),
      gpu_resets_(gpu_resets),
      options_(std::move(options)),
      logger_(std::move(logger)) {}

std::mutex& RemediationController::NodeLock(const std::string& node) {
  return node_locks_[std::hash<std::string>{}(node) % node_locks_.size()];
}

absl::StatusOr<StepResult> RemediationController::Reconcile(const kube::HealthEvent& event) {
  const std::string node = event.node_name();
  // Events of one node decide one at a time, so they share one reboot.
  std::lock_guard<std::mutex> node_lock(NodeLock(node));
  if (std::optional<kube::RemediationRef> ref = event.remediation(); ref && !ref->name.empty()) {
    return Chosen(event, *ref);
  }
  const RemediationKind kind = RemediationFor(event.recommended_action());
  std::optional<EscalationVerdict> escalation;
  if (HasConditionReason(event, kRemediatedCondition, kReasonEscalated)) {
    escalation = EscalationVerdict{.escalate = true};  // decided before; the condition says why
  } else if (kind == RemediationKind::kRebootNode || kind == RemediationKind::kGpuReset) {
    // A GPU's faults are its node's events: its UUID stays with the node.
    NVSX_ASSIGN_OR_RETURN(std::vector<kube::ObjectPtr> events,
                          events_->ByIndex(kube::kNodeNameIndex, node));
    EscalationVerdict verdict = CountRepeatFaults(event, events, options_.escalation);
    if (verdict.escalate) escalation = std::move(verdict);
  }
  if (escalation) return Manual(event, kind, escalation);
  switch (kind) {
    case RemediationKind::kNone:
      return Advance(event, kReasonNoRemediation,
                     core::StrCat("recommendedAction ",
                                  kube::RecommendedActionName(event.recommended_action()),
                                  ": no remediation object needed"),
                     std::nullopt);
    case RemediationKind::kManual:
      return Manual(event, kind, std::nullopt);
    case RemediationKind::kRebootNode:
    case RemediationKind::kGpuReset:
      break;
  }
  return Automatic(event, kind);
}

absl::StatusOr<StepResult> RemediationController::Manual(
    const kube::HealthEvent& event, RemediationKind planned,
    const std::optional<EscalationVerdict>& escalation) {
  const std::string name = event.metadata().name();
  const bool approved = event.metadata().Annotation(kRemediationApprovedAnnotation) ==
                        std::string(kRemediationApprovedValue);
  const std::vector<kube::Condition> conditions = event.conditions();
  const kube::Condition* present = kube::FindCondition(conditions, kRemediatedCondition);
  std::string why;
  if (escalation && escalation->count == 0 && present != nullptr) {
    why = present->message;  // an escalation recorded by an earlier pass
  } else if (escalation) {
    why = core::StrCat(escalation->count, " fatal events on GPU ", escalation->gpu, " within ",
                       core::DurationString(options_.escalation.window), " (limit ",
                       options_.escalation.max_faults,
                       "): escalated to CONTACT_SUPPORT instead of another ",
                       RemediationKindName(planned));
  } else {
    why =
        core::StrCat("recommendedAction ", kube::RecommendedActionName(event.recommended_action()),
                     " needs an operator");
  }
  if (approved) {
    return Advance(event, kReasonApproved,
                   core::StrCat("approved by annotation ", kRemediationApprovedAnnotation, "=",
                                kRemediationApprovedValue, " (", why, ")"),
                   std::nullopt);
  }
  const std::string_view reason = escalation ? kReasonEscalated : kReasonAwaitingApproval;
  std::string message = why;
  if (message.find("kubectl annotate") == std::string::npos) {
    core::StrAppend(&message,
                    "; when the work is done, approve with: kubectl annotate healthevent ", name,
                    " ", kRemediationApprovedAnnotation, "=", kRemediationApprovedValue);
  }
  const bool news = !HasConditionReason(event, kRemediatedCondition, reason);
  StatusChange change;
  if (escalation) {
    change.phase = kube::HealthEventPhase::kDrained;  // stays; status.reason says Escalated
    change.reason = kReasonEscalated;
    change.message = message;
  }
  change.condition = RemediatedCondition(kube::ConditionStatus::kFalse, reason, message);
  NVSX_ASSIGN_OR_RETURN(kube::HealthEvent written, writer_->Apply(event, change));
  if (news) {
    const kube::EventType type = escalation ? kube::EventType::kWarning : kube::EventType::kNormal;
    writer_->Record(written, kHealthEventApi, "HealthEvent", type, reason, message);
    if (escalation) {
      writer_->Record(NodeView(event.node_name()), "v1", "Node", type, reason,
                      core::StrCat("HealthEvent ", name, ": ", why));
      if (metrics_ != nullptr) metrics_->Escalation();
    }
    logger_.Info("remediation waits for an operator",
                 {{"event", name}, {"node", event.node_name()}, {"reason", reason}});
  }
  return StepResult::Stop();
}

absl::StatusOr<StepResult> RemediationController::Automatic(const kube::HealthEvent& event,
                                                            RemediationKind kind) {
  const std::string node = event.node_name();
  const absl::Time drained =
      event.PhaseTime(kube::HealthEventPhase::kDrained).value_or(clock_->Now());
  NVSX_ASSIGN_OR_RETURN(std::optional<nlohmann::json> reboot, UsableReboot(node, drained));
  if (reboot) {
    const std::string reboot_name = kube::ObjectMeta(*reboot).name();
    if (kind == RemediationKind::kGpuReset) {
      return Adopt(
          event, *reboot, kReasonSuperseded,
          core::StrCat("RebootNode ", reboot_name, " of node ", node, " supersedes a GPU reset"));
    }
    return Adopt(event, *reboot, kReasonRemediating,
                 core::StrCat("RebootNode ", reboot_name, " already reboots node ", node));
  }
  const std::string_view kind_name = RemediationKindName(kind);
  if (options_.dry_run) {
    const std::string message = core::StrCat(
        "dry run: would create ", kind_name, " ",
        RemediationObjectName(event.metadata().name(),
                              kind == RemediationKind::kRebootNode ? "reboot" : "gpu-reset"),
        " for node ", node);
    StatusChange change;
    change.condition = RemediatedCondition(kube::ConditionStatus::kFalse, kReasonDryRun, message);
    NVSX_RETURN_IF_ERROR(writer_->Apply(event, change).status());
    return StepResult::Stop();
  }
  NVSX_ASSIGN_OR_RETURN(nlohmann::json object, Ensure(event, kind));
  const kube::RemediationRef ref = RefTo(kind_name, object);
  if (kind == RemediationKind::kRebootNode) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      recent_reboots_[node] = {ref.name, clock_->Now()};
    }
    SupersedeResets(node, ref.name);
  }
  return Follow(event, ref, object, "", "");
}

absl::StatusOr<StepResult> RemediationController::Chosen(const kube::HealthEvent& event,
                                                         const kube::RemediationRef& ref) {
  NVSX_ASSIGN_OR_RETURN(std::optional<nlohmann::json> object, Lookup(ref));
  const bool pending_reset =
      ref.kind == "GPUReset" &&
      (!object || RemediationState(*object, ref.kind) == kube::JanitorState::kPending);
  if (pending_reset) {
    const absl::Time drained =
        event.PhaseTime(kube::HealthEventPhase::kDrained).value_or(clock_->Now());
    NVSX_ASSIGN_OR_RETURN(std::optional<nlohmann::json> reboot,
                          UsableReboot(event.node_name(), drained));
    if (reboot) {
      if (object && !options_.dry_run) {
        kube::DeleteOptions options;
        options.precondition_uid = kube::ObjectMeta(*object).uid();
        options.precondition_resource_version = kube::ObjectMeta(*object).resource_version();
        absl::Status deleted =
            client_->Delete(kube::GpuResetsResource().WithName(ref.name), options);
        // A conflict: the janitor started it meanwhile; follow it instead.
        if (!deleted.ok() && !kube::apierrors::IsNotFound(deleted)) {
          return core::Annotate(deleted, core::StrCat("deleting GPUReset ", ref.name));
        }
      }
      return Adopt(event, *reboot, kReasonSuperseded,
                   core::StrCat("RebootNode ", kube::ObjectMeta(*reboot).name(),
                                " supersedes GPUReset ", ref.name));
    }
  }
  if (!object) {
    // Deleted by someone before it completed: decide and make it again.
    logger_.Warn("remediation object gone before it completed; making it again",
                 {{"event", event.metadata().name()}, {"kind", ref.kind}, {"name", ref.name}});
    return Automatic(event, ref.kind == "RebootNode" ? RemediationKind::kRebootNode
                                                     : RemediationKind::kGpuReset);
  }
  return Follow(event, ref, *object, "", "");
}

absl::StatusOr<StepResult> RemediationController::Adopt(const kube::HealthEvent& event,
                                                        const nlohmann::json& reboot,
                                                        std::string_view reason,
                                                        const std::string& message) {
  return Follow(event, RefTo("RebootNode", reboot), reboot, reason, message);
}

absl::StatusOr<StepResult> RemediationController::Follow(const kube::HealthEvent& event,
                                                         const kube::RemediationRef& ref,
                                                         const nlohmann::json& object,
                                                         std::string_view reason,
                                                         const std::string& note) {
  const std::string name = event.metadata().name();
  const kube::JanitorState state = RemediationState(object, ref.kind);
  const bool news = event.remediation() != ref;
  const std::string what = core::StrCat(ref.kind, " ", ref.name);
  switch (state) {
    case kube::JanitorState::kPending:
    case kube::JanitorState::kInProgress: {
      std::string_view waiting = reason;
      if (waiting.empty()) {
        waiting = HasConditionReason(event, kRemediatedCondition, kReasonSuperseded)
                      ? kReasonSuperseded
                      : kReasonRemediating;
      }
      std::string message = note.empty() ? "" : core::StrCat(note, "; ");
      core::StrAppend(&message, what, " for node ", event.node_name(), " is ",
                      kube::JanitorStateName(state), ": waiting for the janitor");
      StatusChange change;
      change.remediation = ref;
      change.condition = RemediatedCondition(kube::ConditionStatus::kFalse, waiting, message);
      NVSX_ASSIGN_OR_RETURN(kube::HealthEvent written, writer_->Apply(event, change));
      if (news) {
        writer_->Record(
            written, kHealthEventApi, "HealthEvent", kube::EventType::kNormal,
            waiting == kReasonRemediating ? std::string_view("RemediationStarted") : waiting,
            message);
        logger_.Info("remediation under way",
                     {{"event", name}, {"node", event.node_name()}, {"object", what}});
      }
      // The janitor's writes wake the event through the informers; the
      // requeue only bounds what a missed wake-up costs.
      return StepResult::Stop(ReconcileResult::After(absl::Minutes(1)));
    }
    case kube::JanitorState::kSucceeded:
      return Advance(event, kReasonRemediated, core::StrCat(what, " succeeded"), ref);
    case kube::JanitorState::kFailed:
      break;
  }
  const kube::JanitorRequest request(object);
  std::optional<kube::Condition> success = request.FindCondition(
      ref.kind == "RebootNode" ? kube::kRebootNodeReady : kube::kGpuResetComplete);
  std::string message = core::StrCat(what, " failed");
  if (success && !success->message.empty()) core::StrAppend(&message, ": ", success->message);
  StatusChange change;
  change.phase = kube::HealthEventPhase::kFailed;
  change.reason = kReasonRemediationFailed;
  change.message = message;
  change.remediation = ref;
  change.condition =
      RemediatedCondition(kube::ConditionStatus::kFalse, kReasonRemediationFailed, message);
  NVSX_ASSIGN_OR_RETURN(kube::HealthEvent written, writer_->Apply(event, change));
  writer_->Record(written, kHealthEventApi, "HealthEvent", kube::EventType::kWarning,
                  kReasonRemediationFailed, message);
  writer_->Record(NodeView(event.node_name()), "v1", "Node", kube::EventType::kWarning,
                  kReasonRemediationFailed, core::StrCat("HealthEvent ", name, ": ", message));
  logger_.Warn("remediation failed", {{"event", name}, {"object", what}, {"detail", message}});
  return StepResult::Stop();
}

absl::StatusOr<StepResult> RemediationController::Advance(
    const kube::HealthEvent& event, std::string_view reason, const std::string& message,
    const std::optional<kube::RemediationRef>& ref) {
  StatusChange change;
  change.phase = kube::HealthEventPhase::kRemediated;
  change.remediation = ref;
  change.condition = RemediatedCondition(kube::ConditionStatus::kTrue, reason, message);
  NVSX_ASSIGN_OR_RETURN(kube::HealthEvent written, writer_->Apply(event, change));
  writer_->Record(written, kHealthEventApi, "HealthEvent", kube::EventType::kNormal, reason,
                  message);
  logger_.Info(
      "event remediated",
      {{"event", event.metadata().name()}, {"node", event.node_name()}, {"detail", message}});
  return StepResult::Advanced(std::move(written));
}

absl::StatusOr<nlohmann::json> RemediationController::Ensure(const kube::HealthEvent& event,
                                                             RemediationKind kind) {
  const std::string event_name = event.metadata().name();
  const std::string node = event.node_name();
  const bool reboot = kind == RemediationKind::kRebootNode;
  const std::string_view kind_name = RemediationKindName(kind);
  const std::string name = RemediationObjectName(event_name, reboot ? "reboot" : "gpu-reset");
  nlohmann::json body = reboot ? kube::NewRebootNode(name, node, /*force=*/false)
                               : kube::NewGpuReset(name, node, GpuUuids(event));
  if (kube::IsLabelValue(event_name)) {
    body["metadata"]["labels"][std::string(kRemediationEventLabel)] = event_name;
  }
  body["metadata"]["ownerReferences"] = nlohmann::json::array({{{"apiVersion", kHealthEventApi},
                                                                {"kind", "HealthEvent"},
                                                                {"name", event_name},
                                                                {"uid", event.metadata().uid()}}});
  const kube::ResourceRef resource = ResourceOf(kind_name);
  absl::StatusOr<nlohmann::json> created = client_->Create(resource, body);
  if (kube::apierrors::IsAlreadyExists(created.status())) {
    // Made by an earlier run (or an attempt whose answer was lost): adopt it.
    NVSX_ASSIGN_OR_RETURN(nlohmann::json existing, client_->Get(resource.WithName(name)));
    const std::string existing_node = kube::JanitorRequest(existing).node_name();
    if (existing_node != node) {
      return absl::FailedPreconditionError(
          core::StrCat(kind_name, " ", name, " exists for node ", existing_node, ", not ", node,
                       "; delete it so HealthEvent ", event_name, " can make its own"));
    }
    return existing;
  }
  if (!created.ok()) {
    return core::Annotate(created.status(), core::StrCat("creating ", kind_name, " ", name));
  }
  created_.fetch_add(1);
  if (metrics_ != nullptr) metrics_->RemediationCreated(std::string(kind_name));
  const std::string message =
      core::StrCat(kind_name, " ", name, " created for HealthEvent ", event_name);
  writer_->Record(NodeView(node), "v1", "Node", kube::EventType::kNormal, "RemediationCreated",
                  message);
  writer_->Record(event, kHealthEventApi, "HealthEvent", kube::EventType::kNormal,
                  "RemediationCreated", message);
  logger_.Info("remediation object created",
               {{"event", event_name}, {"node", node}, {"object", message}});
  return *std::move(created);
}

absl::StatusOr<std::optional<nlohmann::json>> RemediationController::Lookup(
    const kube::RemediationRef& ref) {
  const kube::IndexedCache* cache = ref.kind == "RebootNode" ? reboot_nodes_ : gpu_resets_;
  if (kube::ObjectPtr cached = cache->Get(ref.name)) return std::optional<nlohmann::json>(*cached);
  absl::StatusOr<nlohmann::json> read = client_->Get(ResourceOf(ref.kind).WithName(ref.name));
  if (kube::apierrors::IsNotFound(read.status())) return std::optional<nlohmann::json>();
  if (!read.ok()) {
    return core::Annotate(read.status(), core::StrCat("reading ", ref.kind, " ", ref.name));
  }
  return std::optional<nlohmann::json>(*std::move(read));
}

absl::StatusOr<std::optional<nlohmann::json>> RemediationController::UsableReboot(
    const std::string& node, absl::Time since) {
  NVSX_ASSIGN_OR_RETURN(std::vector<kube::ObjectPtr> cached,
                        reboot_nodes_->ByIndex(kube::kNodeNameIndex, node));
  std::vector<nlohmann::json> candidates;
  for (const kube::ObjectPtr& object : cached) candidates.push_back(*object);
  std::optional<std::string> recent;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = recent_reboots_.find(node);
    if (it != recent_reboots_.end()) {
      if (clock_->Now() - it->second.second > kRecentReboot) {
        recent_reboots_.erase(it);
      } else {
        recent = it->second.first;
      }
    }
  }
  if (recent && !reboot_nodes_->Get(*recent)) {
    NVSX_ASSIGN_OR_RETURN(std::optional<nlohmann::json> read,
                          Lookup({JanitorApi(), "RebootNode", *recent}));
    if (read) candidates.push_back(*std::move(read));
  }
  for (nlohmann::json& candidate : candidates) {
    const kube::RebootNode reboot(candidate);
    const kube::JanitorState state = reboot.state();
    if (state == kube::JanitorState::kPending) return std::optional<nlohmann::json>(candidate);
    if (state == kube::JanitorState::kFailed) continue;
    // Janitor times have whole seconds, so one that began in the second of
    // `since` counts as before it: better a second reboot than a skipped one.
    if (std::optional<absl::Time> started = reboot.start_time(); started && *started >= since) {
      return std::optional<nlohmann::json>(candidate);
    }
  }
  return std::optional<nlohmann::json>();
}

void RemediationController::SupersedeResets(const std::string& node, const std::string& reboot) {
  absl::StatusOr<std::vector<kube::ObjectPtr>> resets =
      gpu_resets_->ByIndex(kube::kNodeNameIndex, node);
  if (!resets.ok()) return;
  for (const kube::ObjectPtr& object : *resets) {
    const kube::GpuReset reset(object);
    if (reset.state() != kube::JanitorState::kPending) continue;
    const std::string name = reset.metadata().name();
    kube::DeleteOptions options;
    options.precondition_uid = reset.metadata().uid();
    options.precondition_resource_version = reset.metadata().resource_version();
    absl::Status deleted = client_->Delete(kube::GpuResetsResource().WithName(name), options);
    if (deleted.ok()) {
      writer_->Record(NodeView(node), "v1", "Node", kube::EventType::kNormal, kReasonSuperseded,
                      core::StrCat("GPUReset ", name, " superseded by RebootNode ", reboot));
      logger_.Info("GPU reset superseded by a reboot",
                   {{"node", node}, {"gpureset", name}, {"rebootnode", reboot}});
    } else if (!kube::apierrors::IsNotFound(deleted) && !kube::apierrors::IsConflict(deleted)) {
      // The reset's own event retries the supersede on its next pass.
      logger_.Warn("could not delete a superseded GPUReset",
                   {{"gpureset", name}, {"error", deleted.ToString()}});
    }
  }
}

}  // namespace nvsx::controller
