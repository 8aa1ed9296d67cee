#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace nvsx::serve {

// Which fields of an incident system's payload name the runbook and the node.
// Loaded from the --mapping file:
//
//   alertmanager:            # labels of each firing alert
//     runbook: nvsx_runbook
//     node: node
//   pagerduty:               # custom details of a PagerDuty V3 incident
//     runbook: runbook
//     node: node
struct FieldNames {
  std::string runbook;
  std::string node;
};

struct TriggerMapping {
  FieldNames alertmanager{"runbook", "node"};
  FieldNames pagerduty{"runbook", "node"};
};

// The mapping file; a section or field it leaves out keeps its default.
// Errors name the file, line and field.
absl::StatusOr<TriggerMapping> LoadTriggerMapping(const std::filesystem::path& file);

}  // namespace nvsx::serve
