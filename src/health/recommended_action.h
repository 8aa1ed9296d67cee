#pragma once

// What to do about a fault, and which of two remedies is the stronger.
// Values equal NVSentinel's RecommendedAction proto numbers, so a conversion
// to the wire is a cast.

#include <string_view>

namespace nvsx::health {

enum class RecommendedAction : int {
  kNone = 0,
  kComponentReset = 2,  // reset the GPU
  kContactSupport = 5,  // hardware needs service or replacement
  kRestartBm = 24,      // reboot the node
  kRestartApp = 39,     // restart the workload; the GPU is fine
  kUnknown = 99,        // a fault nobody has a remedy for on file
};

// "NONE", "COMPONENT_RESET", "CONTACT_SUPPORT", "RESTART_BM", "RESTART_APP",
// "UNKNOWN": NVSentinel's names.
std::string_view RecommendedActionName(RecommendedAction action);

// Rank for "the most severe wins": NONE < UNKNOWN < RESTART_APP <
// COMPONENT_RESET < RESTART_BM < CONTACT_SUPPORT. A reboot resets the GPU
// too, so it supersedes a reset; a board needing service outranks both.
int ActionSeverity(RecommendedAction action);

// The more severe of the two (`a` on a tie).
RecommendedAction MoreSevere(RecommendedAction a, RecommendedAction b);

}  // namespace nvsx::health
