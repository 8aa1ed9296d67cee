#include "nvsx/serve/health_event_fire.h"

#include "nvsx/serve/trigger_names.h"

namespace nvsx::serve {

void FireRunbookForFault(const FatalFault& fault, std::span<const op::Runbook> runbooks,
                         const std::string& event, const std::string& key, Dispatcher& dispatcher,
                         core::Logger& logger) {
  const std::optional<std::string> slug = MatchRunbook(fault, runbooks);
  if (!slug) {
    logger.Debug("no runbook matches the event", {{"event", event}, {"check", fault.check_name}});
    return;
  }
  if (!IsNodeName(fault.node)) {
    logger.Warn("the event names no valid node; not fired",
                {{"event", event}, {"node", QuoteForMessage(fault.node)}});
    return;
  }
  absl::StatusOr<Submission> submitted = dispatcher.Submit({*slug, fault.node, event}, key);
  if (!submitted.ok()) {
    logger.Error("event not fired", {{"event", event}, {"error", submitted.status().ToString()}});
    return;
  }
  if (submitted->created) {
    logger.Info(
        "fired",
        {{"event", event}, {"runbook", *slug}, {"node", fault.node}, {"run", submitted->run_id}});
  }
}

}  // namespace nvsx::serve
