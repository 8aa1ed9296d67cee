#include "controller/health_event_controller.h"

#include "controller/controller_metrics.h"
#include "controller/names.h"
#include "core/duration.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/types/json_fields.h"

namespace nvsx::controller {
namespace {

const nlohmann::json& Member(const nlohmann::json& object, const char* key) {
  static const nlohmann::json kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// What about a node the controllers decide on: labels (opt-out, GPU),
// annotations (our record) and spec (cordon, taints); not its status, which
// heartbeats change every few seconds.
bool NodeDecisionInputsChanged(const nlohmann::json& old_node, const nlohmann::json& new_node) {
  const nlohmann::json& old_meta = Member(old_node, "metadata");
  const nlohmann::json& new_meta = Member(new_node, "metadata");
  return Member(old_meta, "labels") != Member(new_meta, "labels") ||
         Member(old_meta, "annotations") != Member(new_meta, "annotations") ||
         Member(old_node, "spec") != Member(new_node, "spec");
}

std::string NameOf(const nlohmann::json& object) {
  return Member(Member(object, "metadata"), "name").is_string()
             ? Member(Member(object, "metadata"), "name").get<std::string>()
             : "";
}

std::string NodeOfPod(const nlohmann::json& pod) {
  const nlohmann::json& node = Member(Member(pod, "spec"), "nodeName");
  return node.is_string() ? node.get<std::string>() : "";
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
      informers_(client, clock, options_.informers, logger_),
      writer_(client, clock, recorder, metrics),
      breaker_(options_.breaker, clock),
      quarantine_(client, clock, &writer_, &breaker_, &informers_.nodes().cache(),
                  options_.quarantine, logger_.With({{"controller", "quarantine"}})),
      drain_(client, clock, &writer_, metrics, &informers_.pods().cache(), options_.drain,
             logger_.With({{"controller", "drain"}})),
      loop_(
          clock, options_.loop, [this](const std::string& key) { return Reconcile(key); },
          logger_) {
  informers_.events().AddEventHandlers(
      {.on_add = [this](const nlohmann::json& object) { loop_.Enqueue(NameOf(object)); },
       .on_update = [this](const nlohmann::json&,
                           const nlohmann::json& object) { loop_.Enqueue(NameOf(object)); },
       .on_delete = [this](const nlohmann::json& object) { quarantine_.Forget(NameOf(object)); }});
  informers_.nodes().AddEventHandlers(
      {.on_add = [this](const nlohmann::json& node) { EnqueueEventsOn(NameOf(node)); },
       .on_update = [this](const nlohmann::json& old_node,
                           const nlohmann::json& new_node) { OnNodeUpdate(old_node, new_node); },
       .on_delete =
           [this](const nlohmann::json& node) {
             EnqueueEventsOn(NameOf(node));
             WakeBreakerWaiters();
           }});
  auto on_pod = [this](const nlohmann::json& pod) { EnqueueEventsOn(NodeOfPod(pod)); };
  informers_.pods().AddEventHandlers(
      {.on_add = on_pod,
       .on_update = [on_pod](const nlohmann::json&, const nlohmann::json& pod) { on_pod(pod); },
       .on_delete = on_pod});
}

HealthEventController::~HealthEventController() { Stop(); }

absl::Status HealthEventController::Start() {
  if (started_) return absl::FailedPreconditionError("the controller was started already");
  started_ = true;
  informers_.Start();
  if (!informers_.WaitForCacheSync(options_.cache_sync_timeout)) {
    return absl::DeadlineExceededError(core::StrCat(
        "the HealthEvent, Node and Pod caches did not fill within ",
        core::DurationString(options_.cache_sync_timeout),
        "; check that the API server is reachable and that the controller may list and watch "
        "healthevents, nodes and pods"));
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

void HealthEventController::EnqueueEventsOn(const std::string& node) {
  if (node.empty()) return;
  absl::StatusOr<std::vector<kube::ObjectPtr>> events =
      informers_.events().cache().ByIndex(kube::kNodeNameIndex, node);
  if (!events.ok()) return;
  for (const kube::ObjectPtr& object : *events) {
    const kube::HealthEvent event(object);
    if (!kube::IsTerminal(event.phase())) loop_.Enqueue(event.metadata().name());
  }
}

void HealthEventController::WakeBreakerWaiters() {
  for (const std::string& name : quarantine_.WaitingEvents()) loop_.Enqueue(name);
}

void HealthEventController::OnNodeUpdate(const nlohmann::json& old_node,
                                         const nlohmann::json& new_node) {
  if (!NodeDecisionInputsChanged(old_node, new_node)) return;
  EnqueueEventsOn(NameOf(new_node));
  // A quarantine record that came or went changes the breaker's count.
  WakeBreakerWaiters();
}

absl::StatusOr<ReconcileResult> HealthEventController::Reconcile(const std::string& name) {
  kube::ObjectPtr object = informers_.events().cache().Get(name);
  if (!object) {
    quarantine_.Forget(name);
    return ReconcileResult::Done();
  }
  kube::HealthEvent event(object);
  // Each pass moves the event one phase at most; the chain has three steps today.
  for (int pass = 0; pass < 4; ++pass) {
    if (!event.HasPhase()) {
      StatusChange change;
      change.phase = kube::HealthEventPhase::kNew;
      NVSX_ASSIGN_OR_RETURN(event, writer_.Apply(event, change));
      continue;
    }
    absl::StatusOr<StepResult> step;
    switch (event.phase()) {
      case kube::HealthEventPhase::kNew:
        step = quarantine_.Reconcile(event);
        break;
      case kube::HealthEventPhase::kQuarantined:
        step = drain_.Reconcile(event);
        break;
      default:
        // Drained and later belong to controllers not written yet; terminal
        // phases need nothing.
        return ReconcileResult::Done();
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
  const BreakerVerdict verdict = breaker_.Evaluate(informers_.nodes().cache().List());
  metrics_->SetBreaker(verdict.quarantined >= verdict.limit && options_.breaker.enabled,
                       verdict.quarantined, static_cast<int>(quarantine_.WaitingEvents().size()));
}

}  // namespace nvsx::controller
