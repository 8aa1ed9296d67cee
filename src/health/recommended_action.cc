#include "health/recommended_action.h"

#include <array>

namespace nvsx::health {
namespace {

struct ActionEntry {
  RecommendedAction action;
  std::string_view name;
  int severity;
};

constexpr std::array<ActionEntry, 6> kActions = {{
    {RecommendedAction::kNone, "NONE", 0},
    {RecommendedAction::kUnknown, "UNKNOWN", 1},
    {RecommendedAction::kRestartApp, "RESTART_APP", 2},
    {RecommendedAction::kComponentReset, "COMPONENT_RESET", 3},
    {RecommendedAction::kRestartBm, "RESTART_BM", 4},
    {RecommendedAction::kContactSupport, "CONTACT_SUPPORT", 5},
}};

const ActionEntry& Entry(RecommendedAction action) {
  for (const ActionEntry& entry : kActions) {
    if (entry.action == action) return entry;
  }
  return kActions[1];  // out-of-range values read as UNKNOWN
}

}  // namespace

std::string_view RecommendedActionName(RecommendedAction action) { return Entry(action).name; }

int ActionSeverity(RecommendedAction action) { return Entry(action).severity; }

RecommendedAction MoreSevere(RecommendedAction a, RecommendedAction b) {
  return ActionSeverity(b) > ActionSeverity(a) ? b : a;
}

}  // namespace nvsx::health
