#pragma once

// The enumerations of the HealthEvent CRD (deploy/crds/healthevents.yaml),
// with their wire names. RecommendedAction and ProcessingStrategy values
// equal NVSentinel's proto numbers; health::RecommendedAction (a subset, the
// node side's) uses the same numbers, so converting is a cast.

#include <optional>
#include <string_view>
#include <vector>

namespace nvsx::kube {

enum class HealthEventPhase {
  kNew,
  kQuarantined,
  kDrained,
  kRemediated,
  kResolved,
  kFailed,     // terminal, with a reason
  kCancelled,  // terminal, with a reason
};

enum class RecommendedAction : int {
  kNone = 0,
  kComponentReset = 2,
  kContactSupport = 5,
  kRunFieldDiag = 6,
  kRestartVm = 15,
  kRestartBm = 24,
  kReplaceVm = 25,
  kRunDcgmEud = 26,
  kRestartApp = 39,
  kUnknown = 99,
};

enum class ProcessingStrategy : int {
  kUnspecified = 0,  // treated as kExecuteRemediation
  kExecuteRemediation = 1,
  kStoreOnly = 2,  // recorded and exported, changes nothing in the cluster
};

// "New", "Quarantined", ...; Parse* return nullopt for any other text.
std::string_view HealthEventPhaseName(HealthEventPhase phase);
std::optional<HealthEventPhase> ParseHealthEventPhase(std::string_view text);
bool IsTerminal(HealthEventPhase phase);  // Resolved, Failed, Cancelled

// "NONE", "COMPONENT_RESET", ... as in the CRD's enum.
std::string_view RecommendedActionName(RecommendedAction action);
std::optional<RecommendedAction> ParseRecommendedAction(std::string_view text);

// "UNSPECIFIED", "EXECUTE_REMEDIATION", "STORE_ONLY".
std::string_view ProcessingStrategyName(ProcessingStrategy strategy);
std::optional<ProcessingStrategy> ParseProcessingStrategy(std::string_view text);

// Every wire name, in declaration order (for validation messages).
std::vector<std::string_view> HealthEventPhaseNames();
std::vector<std::string_view> RecommendedActionNames();
std::vector<std::string_view> ProcessingStrategyNames();

}  // namespace nvsx::kube
