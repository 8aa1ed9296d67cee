#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kube/types/health_event.h"
#include "nvsx/runbook.h"

namespace nvsx::serve {

// What watch mode needs of a HealthEvent to pick a runbook.
struct FatalFault {
  std::string check_name;         // "GpuPcieWatch"
  std::vector<std::string> xids;  // "79"
  std::string node;
};

// The fault an event reports when it should fire a runbook: fatal, not a
// healthy signal, not store-only, and still open (not Resolved, Failed or
// Cancelled). nullopt otherwise.
std::optional<FatalFault> FatalFaultOf(const kube::HealthEvent& event);

// The same for a document of NVSentinel's legacy MongoDB HealthEvents
// collection, in either layout: the original nvsx's (checkName, isFatal,
// isHealthy, nodeName, errorCode at the top) or NVSentinel's stored one (the
// same fields, lower-cased, under "healthevent"). A document carries no
// phase: fatal, not healthy and not store-only is enough.
std::optional<FatalFault> FatalFaultOfDocument(const nlohmann::json& document);

// The runbook whose detect stage best matches the fault, by these ranks:
//  3. a healthevent clause with the event's check and one of its XIDs;
//  2. a healthevent clause with the check (no XID), or the XID (no check), or
//     a node-condition clause whose type is the check (NVSentinel names the
//     node condition after the check);
//  1. a tag equal to the check name or to "xid-N" for one of its XIDs.
// Ties go to the first runbook in `runbooks` (the catalog is sorted by slug).
// nullopt when nothing matches.
std::optional<std::string> MatchRunbook(const FatalFault& fault,
                                        std::span<const op::Runbook> runbooks);

}  // namespace nvsx::serve
