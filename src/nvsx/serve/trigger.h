#pragma once

#include <string>

#include "nlohmann/json.hpp"

namespace nvsx::serve {

// A request to run one runbook against one node, from any source.
struct Trigger {
  std::string runbook;  // a runbook slug (IsRunbookSlug)
  std::string node;     // a node name (IsNodeName)
  std::string source;   // "webhook", "alertmanager", "pagerduty", "healthevent", or the sender's
};

// Why a request was refused, as the JSON body the sender gets:
// {"error": ..., "field": ..., "fix": ...}.
struct RequestError {
  int http_status = 400;
  std::string field;  // "runbook", "alerts[0].labels.node", "(body)"
  std::string error;
  std::string fix;

  nlohmann::json ToJson() const { return {{"error", error}, {"field", field}, {"fix", fix}}; }
};

}  // namespace nvsx::serve
