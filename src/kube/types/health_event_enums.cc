#include "kube/types/health_event_enums.h"

#include <array>
#include <utility>

namespace nvsx::kube {
namespace {

template <typename Enum, size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

constexpr NameTable<HealthEventPhase, 7> kPhases = {{
    {HealthEventPhase::kNew, "New"},
    {HealthEventPhase::kQuarantined, "Quarantined"},
    {HealthEventPhase::kDrained, "Drained"},
    {HealthEventPhase::kRemediated, "Remediated"},
    {HealthEventPhase::kResolved, "Resolved"},
    {HealthEventPhase::kFailed, "Failed"},
    {HealthEventPhase::kCancelled, "Cancelled"},
}};

constexpr NameTable<RecommendedAction, 10> kActions = {{
    {RecommendedAction::kNone, "NONE"},
    {RecommendedAction::kComponentReset, "COMPONENT_RESET"},
    {RecommendedAction::kContactSupport, "CONTACT_SUPPORT"},
    {RecommendedAction::kRunFieldDiag, "RUN_FIELDDIAG"},
    {RecommendedAction::kRestartVm, "RESTART_VM"},
    {RecommendedAction::kRestartBm, "RESTART_BM"},
    {RecommendedAction::kReplaceVm, "REPLACE_VM"},
    {RecommendedAction::kRunDcgmEud, "RUN_DCGMEUD"},
    {RecommendedAction::kRestartApp, "RESTART_APP"},
    {RecommendedAction::kUnknown, "UNKNOWN"},
}};

constexpr NameTable<ProcessingStrategy, 3> kStrategies = {{
    {ProcessingStrategy::kUnspecified, "UNSPECIFIED"},
    {ProcessingStrategy::kExecuteRemediation, "EXECUTE_REMEDIATION"},
    {ProcessingStrategy::kStoreOnly, "STORE_ONLY"},
}};

template <typename Enum, size_t N>
std::string_view NameOf(const NameTable<Enum, N>& table, Enum value, std::string_view fallback) {
  for (const auto& [entry, name] : table) {
    if (entry == value) return name;
  }
  return fallback;
}

template <typename Enum, size_t N>
std::optional<Enum> Parse(const NameTable<Enum, N>& table, std::string_view text) {
  for (const auto& [entry, name] : table) {
    if (name == text) return entry;
  }
  return std::nullopt;
}

template <typename Enum, size_t N>
std::vector<std::string_view> Names(const NameTable<Enum, N>& table) {
  std::vector<std::string_view> names;
  for (const auto& entry : table) names.push_back(entry.second);
  return names;
}

}  // namespace

std::string_view HealthEventPhaseName(HealthEventPhase phase) {
  return NameOf(kPhases, phase, "New");
}
std::optional<HealthEventPhase> ParseHealthEventPhase(std::string_view text) {
  return Parse(kPhases, text);
}
bool IsTerminal(HealthEventPhase phase) {
  return phase == HealthEventPhase::kResolved || phase == HealthEventPhase::kFailed ||
         phase == HealthEventPhase::kCancelled;
}

// Values outside the table (a cast from an unknown proto number) print as UNKNOWN.
std::string_view RecommendedActionName(RecommendedAction action) {
  return NameOf(kActions, action, "UNKNOWN");
}
std::optional<RecommendedAction> ParseRecommendedAction(std::string_view text) {
  return Parse(kActions, text);
}

std::string_view ProcessingStrategyName(ProcessingStrategy strategy) {
  return NameOf(kStrategies, strategy, "UNSPECIFIED");
}
std::optional<ProcessingStrategy> ParseProcessingStrategy(std::string_view text) {
  return Parse(kStrategies, text);
}

std::vector<std::string_view> HealthEventPhaseNames() { return Names(kPhases); }
std::vector<std::string_view> RecommendedActionNames() { return Names(kActions); }
std::vector<std::string_view> ProcessingStrategyNames() { return Names(kStrategies); }

}  // namespace nvsx::kube
