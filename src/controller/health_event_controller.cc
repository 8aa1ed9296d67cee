#include "controller/health_event_controller.h"

#include "controller/controller_metrics.h"
#include "controller/drain_plan.h"
#include "controller/names.h"
#include "core/duration.h"
#include "core/json_member.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/types/json_fields.h"

namespace nvsx::controller {
namespace {

// The shared informers' options, with a Pod cache that keeps what a drain
// under `options.drain` reads.
SharedInformersOptions InformerOptions(const HealthEventControllerOptions& options) {
  SharedInformersOptions informers = options.informers;
  if (!informers.pod_transform) informers.pod_transform = PodDrainView(options.drain);
  return informers;
}

// What about a node the controllers decide on: labels (opt-out, GPU),
// annotations (our record) and spec (cordon, taints); not its status, which
// heartbeats change every few seconds.
bool NodeDecisionInputsChanged(const nlohmann::json& old_node, const nlohmann::json& new_node) {
  const nlohmann::json& old_meta = core::JsonMember(old_node, "metadata");
  const nlohmann::json& new_meta = core::JsonMember(new_node, "metadata");
  return core::JsonMember(old_meta, "labels") != core::JsonMember(new_meta, "labels") ||
         core::JsonMember(old_meta, "annotations") != core::JsonMember(new_meta, "annotations") ||
         core::JsonMember(old_node, "spec") != core::JsonMember(new_node, "spec");
}

// A node's conditions without their heartbeat times, which change every few
// seconds: what recovery decides on (Ready, the check's condition).
nlohmann::json ConditionsWithoutHeartbeats(const nlohmann::json& node) {
  nlohmann::json conditions = core::JsonAt(node, {"status", "conditions"});
  if (!conditions.is_array()) return nullptr;
  for (nlohmann::json& condition : conditions) {
    if (condition.is_object()) condition.erase("lastHeartbeatTime");
  }
  return conditions;
}

std::string NameOf(const nlohmann::json& object) {
  return kube::StringOf(kube::FieldAt(object, {"metadata", "name"}));
}

// spec.nodeName of a Pod, RebootNode, GPUReset or HealthEvent.
std::string NodeOf(const nlohmann::json& object) {
  return kube::StringOf(kube::FieldAt(object, {"spec", "nodeName"}));
}

}  // namespace

HealthEventController::HealthEventController(kube::RestClient* client, core::WaitableClock* clock,
                                             kube::EventRecorder* recorder,
                                             ControllerMetrics* metrics,
                                             HealthEventControllerOptions options,
                                             core::Logger logger)
    : clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      logger_(std::move(logger)),
      informers_(client, clock, InformerOptions(options_), logger_),
      writer_(client, clock, recorder, metrics),
      breaker_(options_.breaker, clock),
      quarantine_(client, clock, &writer_, &breaker_, &informers_.nodes().cache(),
                  options_.quarantine, logger_.With({{"controller", "quarantine"}})),
      drain_(client, clock, &writer_, metrics, &informers_.pods().cache(), options_.drain,
             logger_.With({{"controller", "drain"}})),
      remediation_(client, clock, &writer_, metrics, &informers_.events().cache(),
                   &informers_.reboot_nodes().cache(), &informers_.gpu_resets().cache(),
                   {.escalation = options_.escalation, .dry_run = options_.quarantine.dry_run},
                   logger_.With({{"controller", "remediation"}})),
      recovery_(client, clock, &writer_, &informers_.nodes().cache(), &informers_.events().cache(),
                &informers_.reboot_nodes().cache(), {.dry_run = options_.quarantine.dry_run},
                logger_.With({{"controller", "recovery"}})),
      ttl_(client, clock, &writer_, metrics,
           {.config_namespace = options_.informers.ttl_config_namespace,
            .config_name = options_.informers.ttl_config_name,
            .dry_run = options_.quarantine.dry_run},
           logger_.With({{"controller", "ttl"}})),
      loop_(
          clock, options_.loop, [this](const std::string& key) { return Reconcile(key); }, logger_),
      fresh_first_([this](const std::string& name) { loop_.Enqueue(name); }, clock) {
  informers_.events().AddEventHandlers(
      {.on_add = [this](const nlohmann::json& object) { OnEvent(object); },
       .on_update = [this](const nlohmann::json&,
                           const nlohmann::json& object) { OnEvent(object); },
       .on_delete =
           [this](const nlohmann::json& object) {
             quarantine_.Forget(NameOf(object));
             writer_.Forget(NameOf(object));
             EnqueueEventsOn(NodeOf(object));
           }});
  informers_.nodes().AddEventHandlers(
      {.on_add = [this](const nlohmann::json& node) { EnqueueEventsOn(NameOf(node)); },
       .on_update = [this](const nlohmann::json& old_node,
                           const nlohmann::json& new_node) { OnNodeUpdate(old_node, new_node); },
       .on_delete =
           [this](const nlohmann::json& node) {
             EnqueueEventsOn(NameOf(node));
             WakeBreakerWaiters();
           }});
  // Pods leaving, and the janitor's progress, concern the events on their node.
  auto on_node_of = [this](const nlohmann::json& object) { EnqueueEventsOn(NodeOf(object)); };
  const kube::EventHandlers by_node{
      .on_add = on_node_of,
      .on_update = [on_node_of](const nlohmann::json&,
                                const nlohmann::json& object) { on_node_of(object); },
      .on_delete = on_node_of};
  informers_.pods().AddEventHandlers(by_node);
  informers_.reboot_nodes().AddEventHandlers(by_node);
  informers_.gpu_resets().AddEventHandlers(by_node);
  informers_.ttl_config().AddEventHandlers(
      {.on_add = [this](const nlohmann::json& config_map) { OnTtlConfig(&config_map); },
       .on_update = [this](const nlohmann::json&,
                           const nlohmann::json& config_map) { OnTtlConfig(&config_map); },
       .on_delete = [this](const nlohmann::json&) { OnTtlConfig(nullptr); }});
}

HealthEventController::~HealthEventController() { Stop(); }

absl::Status HealthEventController::Start() {
  if (started_) return absl::FailedPreconditionError("the controller was started already");
  started_ = true;
  informers_.Start();
  if (!informers_.WaitForCacheSync(options_.cache_sync_timeout)) {
    return absl::DeadlineExceededError(core::StrCat(
        "the HealthEvent, Node, Pod, RebootNode, GPUReset and ConfigMap caches did not fill "
        "within ",
        core::DurationString(options_.cache_sync_timeout),
        "; check that the API server is reachable, that the janitor CRDs (deploy/crds) are "
        "installed, and that the controller may list and watch healthevents, nodes, pods, "
        "rebootnodes, gpuresets and configmaps in namespace ",
        options_.informers.ttl_config_namespace));
  }
  loop_.Start();
  logger_.Info("controller started",
               {{"workers", options_.loop.workers}, {"dry_run", options_.quarantine.dry_run}});
  return absl::OkStatus();
}

void HealthEventController::Stop() {
  loop_.Stop();
  informers_.Stop();
}

void HealthEventController::Enqueue(const kube::HealthEvent& event) {
  const std::string name = event.metadata().name();
  // Marked before it is queued, so the worker that picks it up unmarks it.
  if (!event.HasPhase()) fresh_first_.Queued(name);
  loop_.Enqueue(name);
}

void HealthEventController::EnqueueEventsOn(const std::string& node) {
  if (node.empty()) return;
  absl::StatusOr<std::vector<kube::ObjectPtr>> events =
      informers_.events().cache().ByIndex(kube::kNodeNameIndex, node);
  if (!events.ok()) return;
  for (const kube::ObjectPtr& object : *events) {
    const kube::HealthEvent event(object);
    if (!kube::IsTerminal(event.phase())) Enqueue(event);
  }
}

void HealthEventController::WakeBreakerWaiters() {
  for (const std::string& name : quarantine_.WaitingEvents()) loop_.Enqueue(name);
}

void HealthEventController::OnNodeUpdate(const nlohmann::json& old_node,
                                         const nlohmann::json& new_node) {
  if (NodeDecisionInputsChanged(old_node, new_node)) {
    EnqueueEventsOn(NameOf(new_node));
    // A quarantine record that came or went changes the breaker's count.
    WakeBreakerWaiters();
  } else if (ConditionsWithoutHeartbeats(old_node) != ConditionsWithoutHeartbeats(new_node)) {
    EnqueueEventsOn(NameOf(new_node));  // Ready came back, a check's condition cleared
  }
}

void HealthEventController::OnEvent(const nlohmann::json& object) {
  const kube::HealthEvent event(object);
  Enqueue(event);
  // A healthy signal, or a fault that ended, concerns the node's other events.
  if (event.is_healthy() || (event.HasPhase() && kube::IsTerminal(event.phase()))) {
    EnqueueEventsOn(event.node_name());
  }
}

void HealthEventController::OnTtlConfig(const nlohmann::json* config_map) {
  if (!ttl_.OnConfigMap(config_map)) return;
  for (const kube::ObjectPtr& object : informers_.events().cache().List()) {
    const kube::HealthEvent event(object);
    if (event.HasPhase() && kube::IsTerminal(event.phase())) loop_.Enqueue(event.metadata().name());
  }
}

absl::StatusOr<ReconcileResult> HealthEventController::Reconcile(const std::string& name) {
  fresh_first_.Started(name);
  kube::ObjectPtr object = informers_.events().cache().Get(name);
  if (!object) {
    quarantine_.Forget(name);
    writer_.Forget(name);
    return ReconcileResult::Done();
  }
  kube::HealthEvent event(object);
  // The cache is behind our own last write: the informer wakes the event
  // again when it catches up.
  if (writer_.Superseded(event)) return ReconcileResult::Done();
  // Each pass moves the event one phase at most: five steps and the TTL.
  for (int pass = 0; pass < 7; ++pass) {
    if (!event.HasPhase()) {
      StatusChange change;
      change.phase = kube::HealthEventPhase::kNew;
      NVSX_ASSIGN_OR_RETURN(event, writer_.Apply(event, change));
      continue;
    }
    // Past New, an event waits while events not looked at yet do.
    if (event.phase() != kube::HealthEventPhase::kNew && fresh_first_.StepAside(name)) {
      return ReconcileResult::Done();
    }
    absl::StatusOr<StepResult> step;
    switch (event.phase()) {
      case kube::HealthEventPhase::kNew:
        step = quarantine_.Reconcile(event);
        break;
      case kube::HealthEventPhase::kQuarantined:
        step = drain_.Reconcile(event);
        break;
      case kube::HealthEventPhase::kDrained:
        step = remediation_.Reconcile(event);
        break;
      case kube::HealthEventPhase::kRemediated:
        step = recovery_.Reconcile(event);
        break;
      case kube::HealthEventPhase::kResolved:
      case kube::HealthEventPhase::kFailed:
      case kube::HealthEventPhase::kCancelled:
        step = ttl_.Reconcile(event);
        break;
    }
    if (!step.ok()) return step.status();
    if (!step->advanced) return step->next;
    event = *std::move(step->advanced);
  }
  return ReconcileResult::Done();
}

void HealthEventController::RefreshMetrics() {
  if (metrics_ == nullptr) return;
  std::map<kube::HealthEventPhase, int> counts;
  for (kube::HealthEventPhase phase :
       {kube::HealthEventPhase::kNew, kube::HealthEventPhase::kQuarantined,
        kube::HealthEventPhase::kDrained, kube::HealthEventPhase::kRemediated,
        kube::HealthEventPhase::kResolved, kube::HealthEventPhase::kFailed,
        kube::HealthEventPhase::kCancelled}) {
    counts[phase] = 0;
  }
  for (const kube::ObjectPtr& object : informers_.events().cache().List()) {
    ++counts[kube::HealthEvent(object).phase()];
  }
  metrics_->SetEventsByPhase(counts);
  const BreakerVerdict verdict = breaker_.Evaluate(IndexedNodesView(&informers_.nodes().cache()));
  metrics_->SetBreaker(verdict.quarantined >= verdict.limit && options_.breaker.enabled,
                       verdict.quarantined, static_cast<int>(quarantine_.WaitingEvents().size()));
}

}  // namespace nvsx::controller
