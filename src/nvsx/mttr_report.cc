#include "nvsx/mttr_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "nvsx/stage_ids.h"

namespace nvsx::op {
namespace {

DurationSummary Summarize(const std::string& name, const std::vector<absl::Duration>& values) {
  return {name, static_cast<int>(values.size()), Percentile(values, 50), Percentile(values, 90)};
}

// Canonical stages first, in their order; anything else after, by name.
size_t StageRank(const std::string& id) {
  const auto ids = StageIds();
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].id == id) return i;
  }
  return ids.size();
}

}  // namespace

absl::Duration Percentile(std::vector<absl::Duration> values, double p) {
  if (values.empty()) return absl::ZeroDuration();
  std::sort(values.begin(), values.end());
  const size_t rank =
      static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

MttrReport BuildMttrReport(const std::vector<RunRecord>& runs) {
  std::map<std::string, std::vector<absl::Duration>> by_runbook;
  std::map<std::string, std::vector<absl::Duration>> by_stage;
  for (const RunRecord& run : runs) {
    if (run.result != "pass") continue;
    by_runbook[run.runbook].push_back(run.ended - run.started);
    for (const StageRecord& stage : run.stages) {
      if (stage.result == "pass") by_stage[stage.stage].push_back(stage.ended - stage.started);
    }
  }
  MttrReport report;
  for (const auto& [name, values] : by_runbook) report.runbooks.push_back(Summarize(name, values));
  for (const auto& [name, values] : by_stage) report.stages.push_back(Summarize(name, values));
  std::stable_sort(report.stages.begin(), report.stages.end(),
                   [](const DurationSummary& a, const DurationSummary& b) {
                     return StageRank(a.name) < StageRank(b.name);
                   });
  return report;
}

}  // namespace nvsx::op
