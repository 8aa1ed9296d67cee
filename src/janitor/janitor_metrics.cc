#include "janitor/janitor_metrics.h"

#include "core/status_macros.h"

namespace nvsx::janitor {
namespace {

// 100 ms .. 1 h: a GPU reset takes seconds, a bare-metal reboot many minutes.
std::vector<double> RequestBuckets() {
  return {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600};
}

}  // namespace

absl::StatusOr<std::unique_ptr<JanitorMetrics>> JanitorMetrics::Create(
    core::MetricsRegistry* registry) {
  std::unique_ptr<JanitorMetrics> metrics(new JanitorMetrics());
  NVSX_ASSIGN_OR_RETURN(
      metrics->requests_,
      registry->AddCounter("nvsentinel_janitor_requests_total",
                           "RebootNode and GPUReset requests this janitor started and completed, "
                           "by kind and outcome (started, succeeded, failed)",
                           {"kind", "outcome"}));
  NVSX_ASSIGN_OR_RETURN(
      metrics->durations_,
      registry->AddHistogram("nvsentinel_janitor_request_duration_seconds",
                             "From a request's startTime to its completion, by kind and outcome",
                             {"kind", "outcome"}, RequestBuckets()));
  return metrics;
}

void JanitorMetrics::Started(std::string_view kind) {
  auto counter = requests_->WithLabels({std::string(kind), "started"});
  if (counter.ok()) (*counter)->Increment();
}

void JanitorMetrics::Finished(std::string_view kind, bool succeeded, absl::Duration duration) {
  const std::vector<std::string> labels = {std::string(kind), succeeded ? "succeeded" : "failed"};
  auto counter = requests_->WithLabels(labels);
  if (counter.ok()) (*counter)->Increment();
  auto histogram = durations_->WithLabels(labels);
  if (histogram.ok()) (*histogram)->Observe(absl::ToDoubleSeconds(duration));
}

}  // namespace nvsx::janitor
