#pragma once

#include <span>
#include <string>

#include "core/logger.h"
#include "nvsx/runbook.h"
#include "nvsx/serve/dispatcher.h"
#include "nvsx/serve/health_event_match.h"

namespace nvsx::serve {

// Submits the runbook MatchRunbook picks for `fault`, for its node, once per
// `key`: the dispatcher keeps keys in the trigger store, so a restart fires
// nothing twice. `event` names the event in logs and as the run's trigger
// ("healthevent:NAME", "mongodb:ID"). A fault no runbook matches, or one
// naming no valid node, is logged and left.
void FireRunbookForFault(const FatalFault& fault, std::span<const op::Runbook> runbooks,
                         const std::string& event, const std::string& key, Dispatcher& dispatcher,
                         core::Logger& logger);

}  // namespace nvsx::serve
