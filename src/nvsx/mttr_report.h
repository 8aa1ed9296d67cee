#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nvsx/run_store.h"

namespace nvsx::op {

// How long one thing took across runs.
struct DurationSummary {
  std::string name;  // a stage id, or a runbook's name
  int samples = 0;
  absl::Duration median;
  absl::Duration p90;
};

struct MttrReport {
  std::vector<DurationSummary> runbooks;  // whole passed runs, per runbook
  std::vector<DurationSummary> stages;    // passed stages, per stage id (canonical order)
};

// MTTR from recorded runs: only runs and stages that passed count (a failed
// run did not restore anything). Percentiles by the nearest-rank method.
MttrReport BuildMttrReport(const std::vector<RunRecord>& runs);

// The nearest-rank percentile (0 < p <= 100) of `values`; zero when empty.
absl::Duration Percentile(std::vector<absl::Duration> values, double p);

}  // namespace nvsx::op
