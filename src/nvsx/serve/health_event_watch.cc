#include "nvsx/serve/health_event_watch.h"

#include "core/str_cat.h"
#include "nvsx/serve/health_event_fire.h"

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
  const std::string uid = event.metadata().uid();
  if (uid.empty()) return;  // every stored object has one; without it "once" cannot hold
  FireRunbookForFault(*fault, runbooks_, core::StrCat("healthevent:", event.metadata().name()),
                      core::StrCat("healthevent/", uid), *dispatcher_, logger_);
}

}  // namespace nvsx::serve
