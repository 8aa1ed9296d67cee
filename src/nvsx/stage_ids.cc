#include "nvsx/stage_ids.h"

#include <array>

namespace nvsx::op {
namespace {

constexpr std::array<StageIdSpec, 9> kStageIds = {{
    {"baseline", true, "observe the healthy state before a drill"},
    {"preflight", false, "validate prerequisites; acknowledge the incident"},
    {"inject", true, "inject the fault (drills only; needs --drill)"},
    {"detect", false, "wait for the fault to be detected"},
    {"quarantine", false, "observe the cordon and taint"},
    {"drain", false, "observe pod eviction"},
    {"remediate", false, "observe the remediation object"},
    {"recover", false, "observe the return to health"},
    {"postmortem", false, "collect artifacts (always runs)"},
}};

}  // namespace

std::span<const StageIdSpec> StageIds() { return kStageIds; }

const StageIdSpec* FindStageId(std::string_view id) {
  for (const StageIdSpec& spec : kStageIds) {
    if (spec.id == id) return &spec;
  }
  return nullptr;
}

}  // namespace nvsx::op
