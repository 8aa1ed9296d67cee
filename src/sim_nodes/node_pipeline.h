#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/logger.h"
#include "device/device_api_server.h"
#include "health/xid_catalog.h"
#include "kube/rest_client.h"
#include "nvml/sim_gpu_backend.h"
#include "provider/health_provider.h"
#include "publisher/publisher.h"

namespace nvsx::sim_nodes {

struct NodePipelineOptions {
  std::string node_name;  // required
  int gpu_count = 8;
  // The node's device API listens here (a Unix socket), as on a real node.
  std::string socket_path;  // required
  kube::RestConfig api_server;
  // node_name, provider_id and source.node_name are filled in from node_name.
  provider::HealthProviderOptions provider{.sample_interval = absl::Seconds(1)};
  publisher::PublisherOptions publisher;
  // As a node agent's publisher: the API server (and its audit log) sees it so.
  kube::RestClientOptions client{
      .qps = 20, .burst = 50, .max_retries = 2, .user_agent = "nvsentinel-publisher/sim"};
};

// One simulated GPU node's node-side programs, in this process and wired as
// in production: simulated GPUs -> health provider -> device API (gRPC on a
// Unix socket) -> publisher -> the API server. A fault injected into gpus()
// becomes a HealthEvent through exactly the code a real node runs.
class NodePipeline {
 public:
  // `clock` and `catalog` must outlive the pipeline.
  static absl::StatusOr<std::unique_ptr<NodePipeline>> Start(NodePipelineOptions options,
                                                             core::WaitableClock* clock,
                                                             const health::XidCatalog* catalog,
                                                             core::Logger logger);
  ~NodePipeline();
  NodePipeline(const NodePipeline&) = delete;
  NodePipeline& operator=(const NodePipeline&) = delete;

  // Stops the publisher, the provider and the device API. Idempotent.
  void Stop();

  const std::string& node_name() const { return options_.node_name; }
  nvml::SimGpuBackend& gpus() { return *backend_; }
  device::DeviceApiServer& device_api() { return *device_; }

 private:
  NodePipeline(NodePipelineOptions options, core::WaitableClock* clock, core::Logger logger);

  const NodePipelineOptions options_;
  core::WaitableClock* clock_;
  core::Logger logger_;
  std::unique_ptr<nvml::SimGpuBackend> backend_;
  std::unique_ptr<device::DeviceApiServer> device_;
  std::unique_ptr<::nvidia::device::v1alpha1::GpuService::Stub> stub_;
  std::unique_ptr<provider::HealthProvider> provider_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<publisher::Publisher> publisher_;
  std::atomic<bool> stop_provider_{false};
  std::thread provider_thread_;
};

}  // namespace nvsx::sim_nodes
