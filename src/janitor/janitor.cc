#include "janitor/janitor.h"

#include "absl/strings/str_join.h"
#include "core/duration.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "janitor/janitor_decision.h"
#include "janitor/janitor_metrics.h"
#include "janitor/names.h"
#include "kube/api_error.h"
#include "kube/object_transform.h"
#include "kube/types/janitor_patches.h"

namespace nvsx::janitor {

using controller::ReconcileResult;
using Step = JanitorDecision::Step;

struct RequestKind {
  std::string_view name;  // the object's kind, and the key's prefix
  kube::ResourceRef resource;
  std::string_view success_condition;
  std::string_view event_started;
  std::string_view event_succeeded;
  std::string_view event_failed;
};

namespace {

const RequestKind& RebootKind() {
  static const RequestKind kind{.name = "RebootNode",
                                .resource = kube::RebootNodesResource(),
                                .success_condition = kube::kRebootNodeReady,
                                .event_started = kEventRebootStarted,
                                .event_succeeded = kEventRebootSucceeded,
                                .event_failed = kEventRebootFailed};
  return kind;
}

const RequestKind& ResetKind() {
  static const RequestKind kind{.name = "GPUReset",
                                .resource = kube::GpuResetsResource(),
                                .success_condition = kube::kGpuResetComplete,
                                .event_started = kEventResetStarted,
                                .event_succeeded = kEventResetSucceeded,
                                .event_failed = kEventResetFailed};
  return kind;
}

std::string NameOf(const nlohmann::json& object) { return kube::ObjectMeta(object).name(); }

kube::InformerOptions OptionsFor(kube::ResourceRef resource, bool by_node,
                                 absl::Duration resync_period) {
  kube::InformerOptions options;
  options.reflector.resource = std::move(resource);
  if (by_node) options.indexers = {{kube::kNodeNameIndex, kube::IndexByNodeName}};
  options.transform = kube::StripManagedFields;
  options.resync_period = resync_period;
  return options;
}

const kube::ResourceRef kNodes{.group = "", .version = "v1", .resource = "nodes"};

}  // namespace

Janitor::Janitor(kube::RestClient* client, core::WaitableClock* clock, JanitorBackend* backend,
                 kube::EventRecorder* recorder, JanitorMetrics* metrics, JanitorOptions options,
                 core::Logger logger)
    : client_(client),
      clock_(clock),
      backend_(backend),
      recorder_(recorder),
      metrics_(metrics),
      options_(std::move(options)),
      logger_(std::move(logger)),
      reboots_(std::make_unique<kube::Informer>(
          client, clock, OptionsFor(kube::RebootNodesResource(), true, options_.resync_period),
          logger_.With({{"informer", "rebootnodes"}}))),
      resets_(std::make_unique<kube::Informer>(
          client, clock, OptionsFor(kube::GpuResetsResource(), true, options_.resync_period),
          logger_.With({{"informer", "gpuresets"}}))),
      nodes_(std::make_unique<kube::Informer>(client, clock,
                                              OptionsFor(kNodes, false, options_.resync_period),
                                              logger_.With({{"informer", "nodes"}}))),
      loop_(
          clock, options_.loop, [this](const std::string& key) { return Reconcile(key); },
          logger_) {
  auto handlers_for = [this](std::string_view kind) {
    const std::string prefix = core::StrCat(kind, "/");
    auto enqueue = [this, prefix](const nlohmann::json& object) {
      loop_.Enqueue(prefix + NameOf(object));
    };
    return kube::EventHandlers{
        .on_add = enqueue,
        .on_update = [enqueue](const nlohmann::json&,
                               const nlohmann::json& object) { enqueue(object); },
    };
  };
  reboots_->AddEventHandlers(handlers_for(RebootKind().name));
  resets_->AddEventHandlers(handlers_for(ResetKind().name));
  nodes_->AddEventHandlers(
      {.on_add = [this](const nlohmann::json& node) { EnqueueRebootsOn(NameOf(node)); },
       .on_update = [this](const nlohmann::json&,
                           const nlohmann::json& node) { EnqueueRebootsOn(NameOf(node)); },
       .on_delete = [this](const nlohmann::json& node) { EnqueueRebootsOn(NameOf(node)); }});
}

Janitor::~Janitor() { Stop(); }

absl::Status Janitor::Start() {
  if (started_) return absl::FailedPreconditionError("the janitor was started already");
  started_ = true;
  for (kube::Informer* informer : {reboots_.get(), resets_.get(), nodes_.get()}) {
    informer->Start();
  }
  for (kube::Informer* informer : {reboots_.get(), resets_.get(), nodes_.get()}) {
    if (!informer->WaitForCacheSync(options_.cache_sync_timeout)) {
      return absl::DeadlineExceededError(core::StrCat(
          "the RebootNode, GPUReset and Node caches did not fill within ",
          core::DurationString(options_.cache_sync_timeout),
          "; check that the API server is reachable, that the janitor.dgxc.nvidia.com CRDs are "
          "installed (deploy/crds) and that the janitor may list and watch rebootnodes, "
          "gpuresets and nodes"));
    }
  }
  loop_.Start();
  logger_.Info("janitor started",
               {{"backend", std::string(backend_->name())}, {"acts", backend_->acts()}});
  return absl::OkStatus();
}

void Janitor::Stop() {
  loop_.Stop();
  for (kube::Informer* informer : {reboots_.get(), resets_.get(), nodes_.get()}) {
    informer->Stop();
  }
}

void Janitor::EnqueueRebootsOn(const std::string& node) {
  if (node.empty()) return;
  absl::StatusOr<std::vector<kube::ObjectPtr>> requests =
      reboots_->cache().ByIndex(kube::kNodeNameIndex, node);
  if (!requests.ok()) return;
  for (const kube::ObjectPtr& object : *requests) {
    const kube::RebootNode request(object);
    if (request.state() == kube::JanitorState::kInProgress) {
      loop_.Enqueue(core::StrCat(RebootKind().name, "/", request.metadata().name()));
    }
  }
}

absl::StatusOr<ReconcileResult> Janitor::Reconcile(const std::string& key) {
  // Leaves every object as it is: another janitor carries them out.
  if (!backend_->acts()) return ReconcileResult::Done();
  const size_t slash = key.find('/');
  const std::string kind = key.substr(0, slash);
  const std::string name = slash == std::string::npos ? "" : key.substr(slash + 1);
  absl::StatusOr<ReconcileResult> result = ReconcileResult::Done();
  if (kind == RebootKind().name) {
    result = ReconcileReboot(name);
  } else if (kind == ResetKind().name) {
    result = ReconcileReset(name);
  }
  // Our cache was behind the object: look again once it has caught up.
  if (!result.ok() && kube::apierrors::IsConflict(result.status())) {
    return ReconcileResult::Backoff();
  }
  return result;
}

absl::StatusOr<ReconcileResult> Janitor::ReconcileReboot(const std::string& name) {
  const kube::ObjectPtr object = reboots_->cache().Get(name);
  if (!object) return ReconcileResult::Done();
  const kube::RebootNode request(object);
  const kube::ObjectPtr node_object = nodes_->cache().Get(request.node_name());
  std::optional<kube::Node> node;
  if (node_object) node.emplace(node_object);
  const JanitorDecision decision =
      DecideReboot(request, node ? &*node : nullptr, clock_->Now(), options_.reboot_timeout);
  return Act(RebootKind(), request, decision, [&] { return StartReboot(request); });
}

absl::StatusOr<ReconcileResult> Janitor::ReconcileReset(const std::string& name) {
  const kube::ObjectPtr object = resets_->cache().Get(name);
  if (!object) return ReconcileResult::Done();
  const kube::GpuReset request(object);
  const bool node_exists = nodes_->cache().Get(request.node_name()) != nullptr;
  const JanitorDecision decision =
      DecideReset(request, node_exists, clock_->Now(), options_.reset_timeout);
  return Act(ResetKind(), request, decision, [&] { return StartReset(request); });
}

absl::StatusOr<ReconcileResult> Janitor::Act(
    const RequestKind& kind, const kube::JanitorRequest& request, const JanitorDecision& decision,
    const std::function<absl::StatusOr<ReconcileResult>()>& start) {
  switch (decision.step) {
    case Step::kLeave:
      return ReconcileResult::Done();
    case Step::kWait:
      return ReconcileResult::After(decision.wait);
    case Step::kStart:
      return start();
    case Step::kSucceed:
    case Step::kFail:
      break;
  }
  return Finish(kind, request, decision.step == Step::kSucceed, decision.reason, decision.message);
}

absl::StatusOr<ReconcileResult> Janitor::StartReboot(const kube::RebootNode& request) {
  const std::string node = request.node_name();
  const std::string backend(backend_->name());
  NVSX_ASSIGN_OR_RETURN(
      nlohmann::json claimed,
      Claim(RebootKind(), request,
            {.type = std::string(kube::kRebootSignalSent),
             .status = kube::ConditionStatus::kUnknown,
             .reason = std::string(kReasonSendingSignal),
             .message = core::StrCat("asking the ", backend, " backend to reboot node ", node)}));
  kube::RebootNode started(std::move(claimed));
  if (absl::Status sent = backend_->RebootNode(node, request.force()); !sent.ok()) {
    return Finish(
        RebootKind(), started, false, std::string(kReasonRebootFailed),
        core::StrCat("the ", backend, " backend did not reboot node ", node, ": ", sent.message()));
  }
  const kube::ObjectPatch patch = kube::JanitorStartedPatch(
      started,
      {.type = std::string(kube::kRebootSignalSent),
       .status = kube::ConditionStatus::kTrue,
       .reason = std::string(kReasonSignalSent),
       .message = core::StrCat("the ", backend, " backend asked node ", node,
                               " to reboot; waiting for it to be Ready again")},
      clock_->Now());
  NVSX_RETURN_IF_ERROR(
      client_
          ->Patch(
              RebootKind().resource.WithName(started.metadata().name()).WithSubresource("status"),
              patch.type, patch.body)
          .status());
  // Node updates wake it sooner; this is the deadline.
  return ReconcileResult::After(options_.reboot_timeout);
}

absl::StatusOr<ReconcileResult> Janitor::StartReset(const kube::GpuReset& request) {
  const std::string node = request.node_name();
  const std::string backend(backend_->name());
  const std::vector<std::string> gpus = request.gpu_uuids();
  const std::string which =
      gpus.empty() ? core::StrCat("every GPU of node ", node)
                   : core::StrCat("GPUs ", absl::StrJoin(gpus, ", "), " of node ", node);
  NVSX_ASSIGN_OR_RETURN(
      nlohmann::json claimed,
      Claim(ResetKind(), request,
            {.type = std::string(kube::kGpuResetComplete),
             .status = kube::ConditionStatus::kUnknown,
             .reason = std::string(kReasonResetting),
             .message = core::StrCat("the ", backend, " backend is resetting ", which)}));
  kube::GpuReset started(std::move(claimed));
  if (absl::Status reset = backend_->ResetGpus(node, gpus); !reset.ok()) {
    return Finish(
        ResetKind(), started, false, std::string(kReasonResetFailed),
        core::StrCat("the ", backend, " backend did not reset ", which, ": ", reset.message()));
  }
  return Finish(ResetKind(), started, true, std::string(kReasonGpusReset),
                core::StrCat("the ", backend, " backend reset ", which));
}

absl::StatusOr<nlohmann::json> Janitor::Claim(const RequestKind& kind,
                                              const kube::JanitorRequest& request,
                                              kube::Condition condition) {
  const std::string note = condition.message;
  const kube::ObjectPatch patch =
      kube::JanitorStartedPatch(request, std::move(condition), clock_->Now());
  NVSX_ASSIGN_OR_RETURN(
      nlohmann::json claimed,
      client_->Patch(kind.resource.WithName(request.metadata().name()).WithSubresource("status"),
                     patch.type, patch.body));
  logger_.Info("request started", {{"kind", std::string(kind.name)},
                                   {"name", request.metadata().name()},
                                   {"node", request.node_name()}});
  if (metrics_ != nullptr) metrics_->Started(kind.name);
  Record(kind, request, false, kind.event_started, note);
  return claimed;
}

absl::StatusOr<ReconcileResult> Janitor::Finish(const RequestKind& kind,
                                                const kube::JanitorRequest& request, bool succeeded,
                                                std::string reason, std::string message) {
  const absl::Time now = clock_->Now();
  const kube::ObjectPatch patch = kube::JanitorFinishedPatch(
      request,
      {.type = std::string(kind.success_condition),
       .status = succeeded ? kube::ConditionStatus::kTrue : kube::ConditionStatus::kFalse,
       .reason = reason,
       .message = message},
      now);
  NVSX_RETURN_IF_ERROR(
      client_
          ->Patch(kind.resource.WithName(request.metadata().name()).WithSubresource("status"),
                  patch.type, patch.body)
          .status());
  const absl::Duration took = now - request.start_time().value_or(now);
  logger_.Info(succeeded ? "request succeeded" : "request failed",
               {{"kind", std::string(kind.name)},
                {"name", request.metadata().name()},
                {"node", request.node_name()},
                {"reason", reason},
                {"message", message},
                {"seconds", absl::ToDoubleSeconds(took)}});
  if (metrics_ != nullptr) metrics_->Finished(kind.name, succeeded, took);
  Record(kind, request, !succeeded, succeeded ? kind.event_succeeded : kind.event_failed, message);
  return ReconcileResult::Done();
}

void Janitor::Record(const RequestKind& kind, const kube::JanitorRequest& request, bool warning,
                     std::string_view reason, std::string_view note) {
  if (recorder_ == nullptr) return;
  const kube::EventType type = warning ? kube::EventType::kWarning : kube::EventType::kNormal;
  kube::ObjectReference regarding = kube::ObjectReference::To(request);
  if (regarding.api_version.empty()) {
    regarding.api_version = core::StrCat(kube::kJanitorGroup, "/", kube::kJanitorVersion);
  }
  if (regarding.kind.empty()) regarding.kind = kind.name;
  recorder_->Record(regarding, type, reason, "", note);
  kube::ObjectReference node{.api_version = "v1", .kind = "Node", .name = request.node_name()};
  if (const kube::ObjectPtr cached = nodes_->cache().Get(node.name)) {
    node.uid = kube::Node(cached).metadata().uid();
  }
  recorder_->Record(node, type, reason, "", note);
}

}  // namespace nvsx::janitor
