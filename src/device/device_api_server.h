#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/http_server.h"
#include "core/logger.h"
#include "core/metrics.h"
#include "core/net_address.h"
#include "device/device_metrics.h"
#include "device/gpu_cache.h"
#include "device/gpu_service.h"
#include "device/heartbeat_monitor.h"
#include "device/readiness_gate.h"
#include "device/watch_broadcaster.h"
#include "device/watch_write_queue.h"

namespace grpc {
class Server;
}

namespace nvsx::device {

struct DeviceApiServerOptions {
  // Unix socket path (created mode 0660; a stale file is replaced). Empty: none.
  std::string socket_path;
  // TCP address; nullopt: none. Beyond loopback only with allow_non_loopback,
  // because the API has no authentication.
  std::optional<core::HostPort> listen = core::HostPort{"127.0.0.1", 50051};
  bool allow_non_loopback = false;
  // /metrics, /healthz, /readyz. nullopt: none.
  std::optional<core::HostPort> metrics_listen;
  GpuCacheLimits limits;
  size_t watch_queue_limit = 1024;
  size_t max_watches = 1024;
  int max_message_bytes = 4 << 20;
  absl::Duration ready_timeout = absl::Seconds(30);
  absl::Duration heartbeat_timeout = absl::Seconds(30);
};

// The node-local device API: the GPU cache served over gRPC, with watch
// fan-out, a readiness gate, provider heartbeats and metrics.
class DeviceApiServer {
 public:
  static absl::StatusOr<std::unique_ptr<DeviceApiServer>> Start(DeviceApiServerOptions options,
                                                                const core::Clock* clock,
                                                                core::Logger logger);
  ~DeviceApiServer();

  // The bound TCP port (0 without a TCP listener).
  int tcp_port() const { return tcp_port_; }
  const DeviceApiServerOptions& options() const { return options_; }
  uint16_t metrics_port() const { return http_ ? http_->port() : 0; }
  GpuCache& cache() { return cache_; }

  // Ends open watches and stops serving; waits up to `grace` for calls in flight.
  void Shutdown(absl::Duration grace = absl::Seconds(2));

 private:
  DeviceApiServer(DeviceApiServerOptions options, const core::Clock* clock, core::Logger logger);
  void ExpireSilentProviders();
  void MarkUnknown(const HeartbeatMonitor::Expired& expired);

  const DeviceApiServerOptions options_;
  const core::Clock* clock_;
  core::Logger logger_;
  core::MetricsRegistry registry_;
  std::unique_ptr<DeviceMetrics> metrics_;
  WatchBroadcaster broadcaster_;
  GpuCache cache_;
  ReadinessGate gate_;
  HeartbeatMonitor heartbeats_;
  // Outlives the gRPC server: watch streams post their writes here until they end.
  WatchWriteQueue watch_writes_;
  std::unique_ptr<GpuServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<core::HttpServer> http_;
  int tcp_port_ = 0;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread heartbeat_thread_;
};

}  // namespace nvsx::device
