#include "nvsx/serve/health_event_watch.h"

#include "core/str_cat.h"
#include "nvsx/serve/health_event_match.h"
#include "nvsx/serve/trigger_names.h"

namespace nvsx::serve {
namespace {

kube::InformerOptions WatchHealthEvents() {
  kube::InformerOptions options;
  options.reflector.resource = kube::HealthEventsResource();
  return options;
}

}  // namespace

HealthEventWatch::HealthEventWatch(kube::RestClient* client, core::WaitableClock* clock,
                                   Dispatcher* dispatcher, std::vector<op::Runbook> runbooks,
                                   core::Logger logger)
    : dispatcher_(dispatcher),
      runbooks_(std::move(runbooks)),
      logger_(std::move(logger)),
      informer_(client, clock, WatchHealthEvents(), logger_) {
  informer_.AddEventHandlers(
      {[this](const nlohmann::json& object) { Consider(object); },
       [this](const nlohmann::json&, const nlohmann::json& object) { Consider(object); }, nullptr});
}

HealthEventWatch::~HealthEventWatch() { Stop(); }

void HealthEventWatch::Start() { informer_.Start(); }
void HealthEventWatch::Stop() { informer_.Stop(); }

void HealthEventWatch::Consider(const nlohmann::json& object) {
  const kube::HealthEvent event(object);
  const std::optional<FatalFault> fault = FatalFaultOf(event);
  if (!fault) return;
  const std::string name = event.metadata().name();
  const std::string uid = event.metadata().uid();
  if (uid.empty()) return;  // every stored object has one; without it "once" cannot hold
  const std::optional<std::string> slug = MatchRunbook(*fault, runbooks_);
  if (!slug) {
    logger_.Debug("no runbook matches the HealthEvent",
                  {{"healthevent", name}, {"check", fault->check_name}});
    return;
  }
  if (!IsNodeName(fault->node)) {
    logger_.Warn("HealthEvent names no valid node; not fired",
                 {{"healthevent", name}, {"node", QuoteForMessage(fault->node)}});
    return;
  }
  const Trigger trigger{*slug, fault->node, core::StrCat("healthevent:", name)};
  absl::StatusOr<Submission> submitted =
      dispatcher_->Submit(trigger, core::StrCat("healthevent/", uid));
  if (!submitted.ok()) {
    logger_.Error("HealthEvent not fired",
                  {{"healthevent", name}, {"error", submitted.status().ToString()}});
    return;
  }
  if (submitted->created) {
    logger_.Info("fired", {{"healthevent", name},
                           {"runbook", *slug},
                           {"node", fault->node},
                           {"run", submitted->run_id}});
  }
}

}  // namespace nvsx::serve
