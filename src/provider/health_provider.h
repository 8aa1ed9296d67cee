#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "health/xid_catalog.h"
#include "nvidia/device/v1alpha1/gpu.grpc.pb.h"
#include "nvml/gpu_backend.h"
#include "provider/provider_metrics.h"
#include "provider/xid_history.h"

namespace nvsx::provider {

struct HealthProviderOptions {
  // Identifies this provider in heartbeats, e.g. "health-provider/<node>".
  std::string provider_id = "health-provider";
  absl::Duration sample_interval = absl::Seconds(5);
  absl::Duration heartbeat_interval = absl::Seconds(10);
  absl::Duration xid_retention = absl::Minutes(15);
  absl::Duration rpc_timeout = absl::Seconds(5);
  // Counts reads, reports and XIDs when set; must outlive the provider.
  ProviderMetrics* metrics = nullptr;
};

// Keeps the device API's view of this node's GPUs current: registers every
// GPU the backend sees, reports each GPU's assessed health when it changes
// (at once after an XID, else every sample interval), and beats so the server
// knows it is alive. `backend`, `stub`, `catalog` and `clock` must outlive it.
class HealthProvider {
 public:
  HealthProvider(nvml::GpuBackend* backend,
                 ::nvidia::device::v1alpha1::GpuService::StubInterface* stub,
                 const health::XidCatalog* catalog, const core::Clock* clock, core::Logger logger,
                 HealthProviderOptions options);

  // Registers every GPU (idempotent on the server). Fails when the backend
  // cannot enumerate or the device API refuses.
  absl::Status Register();

  // Samples every GPU and reports the ones whose status changed.
  absl::Status SyncAll();
  // Samples one GPU and reports it if its status changed.
  absl::Status SyncGpu(int index);
  absl::Status Heartbeat();

  // Registers, then loops until `stop` turns true: waits for XIDs, syncs and
  // beats on schedule. Errors from the device API are logged and retried.
  void Run(const std::atomic<bool>& stop);

 private:
  std::unique_ptr<grpc::ClientContext> NewContext() const;

  nvml::GpuBackend* backend_;
  ::nvidia::device::v1alpha1::GpuService::StubInterface* stub_;
  const health::XidCatalog* catalog_;
  const core::Clock* clock_;
  core::Logger logger_;
  const HealthProviderOptions options_;
  std::vector<nvml::GpuInfo> gpus_;
  XidHistory xids_;
  // The last status reported per GPU (serialized), to skip unchanged updates.
  std::map<int, std::string> reported_;
};

}  // namespace nvsx::provider
