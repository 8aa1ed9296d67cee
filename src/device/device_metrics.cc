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

const char* RpcMethodName(RpcMethod method) {
  switch (method) {
    case RpcMethod::kGetGpu:
      return "GetGpu";
    case RpcMethod::kListGpus:
      return "ListGpus";
    case RpcMethod::kWatchGpus:
      return "WatchGpus";
    case RpcMethod::kCreateGpu:
      return "CreateGpu";
    case RpcMethod::kUpdateGpu:
      return "UpdateGpu";
    case RpcMethod::kUpdateGpuStatus:
      return "UpdateGpuStatus";
    case RpcMethod::kDeleteGpu:
      return "DeleteGpu";
    case RpcMethod::kHeartbeat:
      return "Heartbeat";
  }
  return "Unknown";
}

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

core::Counter* DeviceMetrics::RpcCounter(RpcMethod method, absl::StatusCode code) {
  const auto code_index = static_cast<size_t>(code);
  std::atomic<core::Counter*>* slot =
      code_index < kCodeCount ? &counters_[static_cast<size_t>(method)][code_index] : nullptr;
  if (slot != nullptr) {
    if (core::Counter* counter = slot->load(std::memory_order_acquire)) return counter;
  }
  auto counter = rpcs_->WithLabels({RpcMethodName(method), absl::StatusCodeToString(code)});
  if (!counter.ok()) return nullptr;
  // WithLabels returns the same child every time, so racing stores agree.
  if (slot != nullptr) slot->store(*counter, std::memory_order_release);
  return *counter;
}

core::Histogram* DeviceMetrics::RpcHistogram(RpcMethod method) {
  std::atomic<core::Histogram*>& slot = histograms_[static_cast<size_t>(method)];
  if (core::Histogram* histogram = slot.load(std::memory_order_acquire)) return histogram;
  auto histogram = rpc_seconds_->WithLabels({RpcMethodName(method)});
  if (!histogram.ok()) return nullptr;
  slot.store(*histogram, std::memory_order_release);
  return *histogram;
}

void DeviceMetrics::RecordRpc(RpcMethod method, absl::StatusCode code, absl::Duration elapsed) {
  if (core::Counter* counter = RpcCounter(method, code)) counter->Increment();
  if (core::Histogram* histogram = RpcHistogram(method)) {
    histogram->Observe(absl::ToDoubleSeconds(elapsed));
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
