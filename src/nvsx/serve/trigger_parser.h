#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "nvsx/serve/trigger.h"
#include "nvsx/serve/trigger_mapping.h"

namespace nvsx::serve {

// What a webhook body asks for. Zero triggers (with `ignored` saying why) when
// the body is valid but asks for nothing: a resolved alert, a PagerDuty
// acknowledgement.
struct ParsedTriggers {
  std::vector<Trigger> triggers;
  std::string ignored;
};

// Parses a POST /webhook body in one of three shapes, told apart by their keys:
//  - nvsx's own: {"runbook", "target_node", "source"?, "payload"?}; other keys are refused;
//  - Alertmanager's webhook (has "alerts"): one trigger per firing alert, the
//    runbook and node from the labels `mapping.alertmanager` names;
//  - PagerDuty V3 webhook (has "event"): incident.triggered only, the runbook
//    and node from the incident's custom details (data.custom_details,
//    data.body.details or data.details) under `mapping.pagerduty`'s names.
// Every runbook, node and source is checked (trigger_names.h). Whether the
// runbook exists is the caller's question. Bad JSON is a 400 naming the line
// and column.
std::variant<ParsedTriggers, RequestError> ParseTriggers(std::string_view body,
                                                         const TriggerMapping& mapping);

}  // namespace nvsx::serve
