#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "core/clock.h"
#include "core/logger.h"
#include "health/xid_catalog.h"
#include "kube/backoff.h"
#include "kube/rest_client.h"
#include "kube/token_bucket.h"
#include "kube/work_queue.h"
#include "nvidia/device/v1alpha1/gpu.grpc.pb.h"
#include "publisher/event_ledger.h"
#include "publisher/gpu_watcher.h"
#include "publisher/health_event_spec.h"
#include "publisher/publisher_metrics.h"

namespace nvsx::publisher {

struct PublisherOptions {
  EventSource source;  // source.node_name is required
  std::string field_manager = "nvsentinel-publisher";
  // Re-watching the device API after its stream ended or failed.
  kube::Backoff watch_backoff{absl::Milliseconds(100), 2.0, 0.2, absl::Seconds(10)};
  // A GPU whose write failed (API server away, refused) is retried after
  // retry_base * 2^failures, at most retry_max, until it succeeds.
  absl::Duration retry_base = absl::Milliseconds(100);
  absl::Duration retry_max = absl::Seconds(30);
  // Writes per GPU: a flapping GPU is written at most this often; whatever
  // its state is when a token frees up is what gets written.
  double gpu_writes_per_second = 2;
  int gpu_write_burst = 5;
  kube::UniformRandom random;  // jitter; empty: a seeded generator
  // Counts the events written when set; must outlive the publisher.
  PublisherMetrics* metrics = nullptr;
};

// Turns the device API's view of this node's GPUs into HealthEvents, as a
// level-triggered controller: the watch records each GPU's latest state and
// queues its name; one worker syncs a GPU at a time against the events it
// knows to be open (listed at start, then its own writes):
// - a GPU with a True fatal condition has exactly one open event, created
//   under a name derived from the fault's onset, updated as the fault grows
//   (new XIDs are added, never dropped);
// - a degraded GPU (only non-fatal findings: heat, InfoROM, application
//   XIDs) has one open event with isFatal false; it turns fatal in place if
//   the GPU does, and a fatal event whose fault is gone while a lesser one
//   remains is closed and followed by a non-fatal one;
// - a GPU that is healthy again gets its open event marked isHealthy;
// - a write that fails is retried with backoff, and what is retried is the
//   GPU's latest state, so neither an outage nor a flood loses the last word.
// `stub`, `client`, `catalog` and `clock` must outlive it.
class Publisher {
 public:
  Publisher(::nvidia::device::v1alpha1::GpuService::StubInterface* stub, kube::RestClient* client,
            const health::XidCatalog* catalog, core::WaitableClock* clock, core::Logger logger,
            PublisherOptions options);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Starts the watch and the worker.
  void Start();
  // Stops both; writes still pending are dropped (a restarted publisher
  // re-derives them from the device API). Idempotent.
  void Stop();

 private:
  void OnGpu(const ::nvidia::device::v1alpha1::Gpu& gpu);
  void Work();
  // Brings the open event of GPU `name` in line with the GPU's latest state.
  absl::Status Sync(const std::string& name);
  absl::Status LoadLedger();
  absl::Status OpenEvent(const GpuFault& fault);
  absl::Status UpdateEvent(const nlohmann::json& open, const GpuFault& fault);
  absl::Status CloseEvent(const std::string& gpu, const nlohmann::json& open);
  // Takes a write token of `gpu`'s bucket; when there is none, queues the GPU
  // for when there will be and returns false.
  bool TakeWriteToken(const std::string& gpu);

  kube::RestClient* client_;
  const health::XidCatalog* catalog_;
  core::WaitableClock* clock_;
  core::Logger logger_;
  const PublisherOptions options_;
  kube::WorkQueue queue_;
  GpuWatcher watcher_;

  std::mutex gpus_mu_;
  std::map<std::string, ::nvidia::device::v1alpha1::Gpu> gpus_;  // latest per GPU name

  // The worker's own.
  EventLedger ledger_;
  std::map<std::string, std::unique_ptr<kube::TokenBucket>> buckets_;

  std::atomic<bool> stopping_{false};
  std::thread watch_thread_;
  std::thread work_thread_;
};

}  // namespace nvsx::publisher
