#include "publisher/publisher_metrics.h"

#include <algorithm>

#include "core/status_macros.h"

namespace nvsx::publisher {

absl::StatusOr<std::unique_ptr<PublisherMetrics>> PublisherMetrics::Create(
    core::MetricsRegistry* registry) {
  std::unique_ptr<PublisherMetrics> metrics(new PublisherMetrics());
  NVSX_ASSIGN_OR_RETURN(
      core::CounterFamily * events,
      registry->AddCounter("nvsentinel_publisher_events_total",
                           "HealthEvents this publisher wrote, by action (opened, updated, "
                           "closed: marked healthy)",
                           {"action"}));
  NVSX_ASSIGN_OR_RETURN(metrics->opened_, events->WithLabels({"opened"}));
  NVSX_ASSIGN_OR_RETURN(metrics->updated_, events->WithLabels({"updated"}));
  NVSX_ASSIGN_OR_RETURN(metrics->closed_, events->WithLabels({"closed"}));
  NVSX_ASSIGN_OR_RETURN(core::CounterFamily * failures,
                        registry->AddCounter("nvsentinel_publisher_sync_failures_total",
                                             "GPU syncs that failed (a HealthEvent write, or "
                                             "listing the open ones) and were queued for a retry"));
  NVSX_ASSIGN_OR_RETURN(metrics->sync_failures_, failures->WithLabels({}));
  NVSX_ASSIGN_OR_RETURN(
      core::HistogramFamily * latency,
      registry->AddHistogram("nvsentinel_publisher_fault_to_event_seconds",
                             "From a GPU fault's onset (its device API condition turning True) "
                             "to the HealthEvent that reports it",
                             {}, core::DefaultLatencyBuckets()));
  NVSX_ASSIGN_OR_RETURN(metrics->fault_to_event_, latency->WithLabels({}));
  return metrics;
}

void PublisherMetrics::ObserveFaultToEvent(absl::Duration since_onset) {
  fault_to_event_->Observe(absl::ToDoubleSeconds(std::max(since_onset, absl::ZeroDuration())));
}

}  // namespace nvsx::publisher
