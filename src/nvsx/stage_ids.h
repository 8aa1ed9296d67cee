#pragma once

#include <span>
#include <string_view>

namespace nvsx::op {

struct StageIdSpec {
  std::string_view id;
  bool drill_only;  // baseline and inject belong to drills, never production runs
  std::string_view purpose;
};

// The stage ids a runbook may use, in their canonical order.
std::span<const StageIdSpec> StageIds();
const StageIdSpec* FindStageId(std::string_view id);

// The stage that runs even after a failure or an interrupt.
inline constexpr std::string_view kPostmortemStage = "postmortem";
inline constexpr std::string_view kInjectStage = "inject";

}  // namespace nvsx::op
