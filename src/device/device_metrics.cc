#include "device/device_metrics.h"

#include "absl/status/status.h"
#include "core/status_macros.h"

namespace nvsx::device {
namespace {

absl::StatusOr<core::Gauge*> NewGauge(core::MetricsRegistry* registry, std::string name,
                                      std::string help) {
  NVSX_ASSIGN_OR_RETURN(core::GaugeFamily * family,
                        registry->AddGauge(std::move(name), std::move(help)));
  return family->WithLabels({});
}

}  // namespace

absl::StatusOr<std::unique_ptr<DeviceMetrics>> DeviceMetrics::Create(
    core::MetricsRegistry* registry) {
  std::unique_ptr<DeviceMetrics> metrics(new DeviceMetrics());
  NVSX_ASSIGN_OR_RETURN(
      metrics->rpcs_,
      registry->AddCounter("device_api_rpcs_total",
                           "Device API RPCs by method and gRPC status code.", {"method", "code"}));
  NVSX_ASSIGN_OR_RETURN(
      metrics->rpc_seconds_,
      registry->AddHistogram("device_api_rpc_duration_seconds",
                             "Device API unary RPC latency in seconds, by method.", {"method"},
                             core::ExponentialBuckets(0.00001, 4, 10)));
  NVSX_ASSIGN_OR_RETURN(metrics->gpus_,
                        NewGauge(registry, "device_api_gpus", "GPUs in the cache."));
  NVSX_ASSIGN_OR_RETURN(
      metrics->resource_version_,
      NewGauge(registry, "device_api_resource_version", "The cache's current resource version."));
  NVSX_ASSIGN_OR_RETURN(metrics->watchers_,
                        NewGauge(registry, "device_api_watchers", "Open WatchGpus streams."));
  NVSX_ASSIGN_OR_RETURN(metrics->dropped_watchers_,
                        NewGauge(registry, "device_api_watchers_dropped",
                                 "Watchers dropped for falling behind since start."));
  return metrics;
}

void DeviceMetrics::RecordRpc(const std::string& method, absl::StatusCode code,
                              absl::Duration elapsed) {
  if (auto counter = rpcs_->WithLabels({method, absl::StatusCodeToString(code)}); counter.ok()) {
    (*counter)->Increment();
  }
  if (auto histogram = rpc_seconds_->WithLabels({method}); histogram.ok()) {
    (*histogram)->Observe(absl::ToDoubleSeconds(elapsed));
  }
}

void DeviceMetrics::Refresh(const GpuCache& cache, const WatchBroadcaster& broadcaster) {
  gpus_->Set(static_cast<double>(cache.size()));
  resource_version_->Set(static_cast<double>(cache.resource_version()));
  const WatchBroadcasterStats stats = broadcaster.stats();
  watchers_->Set(static_cast<double>(stats.subscribers));
  dropped_watchers_->Set(static_cast<double>(stats.dropped));
}

}  // namespace nvsx::device
