#include "provider/provider_metrics.h"

#include "core/status_macros.h"

namespace nvsx::provider {

absl::StatusOr<std::unique_ptr<ProviderMetrics>> ProviderMetrics::Create(
    core::MetricsRegistry* registry) {
  std::unique_ptr<ProviderMetrics> metrics(new ProviderMetrics());
  NVSX_ASSIGN_OR_RETURN(core::GaugeFamily * gpus,
                        registry->AddGauge("nvsentinel_health_provider_gpus",
                                           "GPUs this provider registered with the device API"));
  NVSX_ASSIGN_OR_RETURN(metrics->gpus_, gpus->WithLabels({}));
  NVSX_ASSIGN_OR_RETURN(
      core::CounterFamily * samples,
      registry->AddCounter("nvsentinel_health_provider_samples_total",
                           "GPU reads (NVML or simulated), by outcome (ok, error)", {"outcome"}));
  NVSX_ASSIGN_OR_RETURN(metrics->samples_ok_, samples->WithLabels({"ok"}));
  NVSX_ASSIGN_OR_RETURN(metrics->samples_failed_, samples->WithLabels({"error"}));
  NVSX_ASSIGN_OR_RETURN(
      core::CounterFamily * reports,
      registry->AddCounter("nvsentinel_health_provider_reports_total",
                           "GPU status updates sent to the device API (only changes are sent), "
                           "by outcome (ok, error)",
                           {"outcome"}));
  NVSX_ASSIGN_OR_RETURN(metrics->reports_ok_, reports->WithLabels({"ok"}));
  NVSX_ASSIGN_OR_RETURN(metrics->reports_failed_, reports->WithLabels({"error"}));
  NVSX_ASSIGN_OR_RETURN(core::CounterFamily * xids,
                        registry->AddCounter("nvsentinel_health_provider_xids_total",
                                             "XID errors the driver reported on this node's GPUs"));
  NVSX_ASSIGN_OR_RETURN(metrics->xids_, xids->WithLabels({}));
  return metrics;
}

}  // namespace nvsx::provider
