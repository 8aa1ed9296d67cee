#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/metrics.h"
#include "device/gpu_cache.h"
#include "device/watch_broadcaster.h"

namespace nvsx::device {

// The device API's Prometheus metrics: RPC counts and latency by method and
// code, and cache/watch gauges refreshed at scrape time.
class DeviceMetrics {
 public:
  static absl::StatusOr<std::unique_ptr<DeviceMetrics>> Create(core::MetricsRegistry* registry);

  void RecordRpc(const std::string& method, absl::StatusCode code, absl::Duration elapsed);
  void Refresh(const GpuCache& cache, const WatchBroadcaster& broadcaster);

 private:
  DeviceMetrics() = default;

  core::CounterFamily* rpcs_ = nullptr;
  core::HistogramFamily* rpc_seconds_ = nullptr;
  core::Gauge* gpus_ = nullptr;
  core::Gauge* resource_version_ = nullptr;
  core::Gauge* watchers_ = nullptr;
  core::Gauge* dropped_watchers_ = nullptr;
};

}  // namespace nvsx::device
