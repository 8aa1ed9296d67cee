#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/metrics.h"
#include "device/gpu_cache.h"
#include "device/watch_broadcaster.h"

namespace nvsx::device {

enum class RpcMethod {
  kGetGpu,
  kListGpus,
  kWatchGpus,
  kCreateGpu,
  kUpdateGpu,
  kUpdateGpuStatus,
  kDeleteGpu,
  kHeartbeat,
};
inline constexpr size_t kRpcMethodCount = static_cast<size_t>(RpcMethod::kHeartbeat) + 1;
const char* RpcMethodName(RpcMethod method);

// The device API's Prometheus metrics: RPC counts and latency by method and
// code, and cache/watch gauges refreshed at scrape time.
class DeviceMetrics {
 public:
  static absl::StatusOr<std::unique_ptr<DeviceMetrics>> Create(core::MetricsRegistry* registry);

  // Lock-free once a method and code have been seen: the children are looked up once.
  void RecordRpc(RpcMethod method, absl::StatusCode code, absl::Duration elapsed);
  void Refresh(const GpuCache& cache, const WatchBroadcaster& broadcaster);

 private:
  DeviceMetrics() = default;
  core::Counter* RpcCounter(RpcMethod method, absl::StatusCode code);
  core::Histogram* RpcHistogram(RpcMethod method);

  // The canonical codes are 0..16; children are created on first use, so
  // /metrics lists only the methods and codes that happened.
  static constexpr size_t kCodeCount = 17;
  std::array<std::array<std::atomic<core::Counter*>, kCodeCount>, kRpcMethodCount> counters_{};
  std::array<std::atomic<core::Histogram*>, kRpcMethodCount> histograms_{};

  core::CounterFamily* rpcs_ = nullptr;
  core::HistogramFamily* rpc_seconds_ = nullptr;
  core::Gauge* gpus_ = nullptr;
  core::Gauge* resource_version_ = nullptr;
  core::Gauge* watchers_ = nullptr;
  core::Gauge* dropped_watchers_ = nullptr;
};

}  // namespace nvsx::device
