#include "nvsx/serve/serve_metrics.h"

#include "core/status_macros.h"
#include "core/str_cat.h"

namespace nvsx::serve {

absl::StatusOr<std::unique_ptr<ServeMetrics>> ServeMetrics::Create(
    core::MetricsRegistry* registry) {
  std::unique_ptr<ServeMetrics> metrics(new ServeMetrics());
  NVSX_ASSIGN_OR_RETURN(
      metrics->requests_,
      registry->AddCounter("nvsx_serve_requests_total",
                           "Webhook requests answered, by HTTP status code.", {"code"}));
  NVSX_ASSIGN_OR_RETURN(
      metrics->runs_, registry->AddCounter(
                          "nvsx_serve_runs_total",
                          "Runs ended, by outcome (pass, fail, interrupted, error).", {"outcome"}));
  NVSX_ASSIGN_OR_RETURN(core::HistogramFamily * duration,
                        registry->AddHistogram("nvsx_serve_run_duration_seconds",
                                               "How long runs took, postmortem included.", {},
                                               core::ExponentialBuckets(0.1, 2, 16)));
  NVSX_ASSIGN_OR_RETURN(metrics->run_duration_, duration->WithLabels({}));
  NVSX_ASSIGN_OR_RETURN(
      core::GaugeFamily * queued,
      registry->AddGauge("nvsx_serve_queue_depth", "Accepted triggers waiting for a run slot."));
  NVSX_ASSIGN_OR_RETURN(metrics->queued_, queued->WithLabels({}));
  NVSX_ASSIGN_OR_RETURN(core::GaugeFamily * running,
                        registry->AddGauge("nvsx_serve_runs_running", "Runs in progress."));
  NVSX_ASSIGN_OR_RETURN(metrics->running_, running->WithLabels({}));
  return metrics;
}

void ServeMetrics::CountRequest(int http_status) {
  if (absl::StatusOr<core::Counter*> counter = requests_->WithLabels({core::StrCat(http_status)});
      counter.ok()) {
    (*counter)->Increment();
  }
}

void ServeMetrics::CountRun(const std::string& outcome) {
  if (absl::StatusOr<core::Counter*> counter = runs_->WithLabels({outcome}); counter.ok()) {
    (*counter)->Increment();
  }
}

void ServeMetrics::ObserveRunDuration(absl::Duration duration) {
  run_duration_->Observe(absl::ToDoubleSeconds(duration));
}

void ServeMetrics::SetQueued(size_t queued) { queued_->Set(static_cast<double>(queued)); }
void ServeMetrics::SetRunning(size_t running) { running_->Set(static_cast<double>(running)); }

}  // namespace nvsx::serve
