#include "nvsx/demo/phase_breakdown.h"

#include <algorithm>

#include "core/duration.h"
#include "core/str_cat.h"
#include "fmt/format.h"

namespace nvsx::op {
namespace {

std::string Millis(absl::Duration duration) {
  return core::DurationString(absl::Floor(duration, absl::Milliseconds(1)));
}

}  // namespace

std::vector<PhaseStep> PhaseBreakdown(const kube::HealthEvent& event) {
  const kube::HealthEventSpec spec = event.spec();
  const absl::Time detected = spec.generated_timestamp.value_or(
      event.metadata().creation_timestamp().value_or(absl::InfinitePast()));
  std::vector<PhaseStep> steps = {{.phase = "detected", .at = detected}};
  std::vector<std::pair<absl::Time, kube::HealthEventPhase>> reached;
  for (const auto& [phase, at] : event.phase_times()) {
    if (phase != kube::HealthEventPhase::kNew) reached.emplace_back(at, phase);
  }
  std::sort(reached.begin(), reached.end());
  for (const auto& [at, phase] : reached) {
    steps.push_back({.phase = std::string(kube::HealthEventPhaseName(phase)),
                     .at = at,
                     .step = at - steps.back().at,
                     .since_fault = at - detected});
  }
  return steps;
}

std::string FormatPhaseBreakdown(const std::vector<PhaseStep>& steps) {
  std::string out = fmt::format("  {:<12} {:>10} {:>10}\n", "PHASE", "STEP", "TOTAL");
  for (const PhaseStep& step : steps) {
    out += fmt::format("  {:<12} {:>10} {:>10}\n", step.phase, Millis(step.step),
                       Millis(step.since_fault));
  }
  return out;
}

}  // namespace nvsx::op
