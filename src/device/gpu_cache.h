#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "device/gpu_event.h"

namespace nvsx::device {

struct GpuCacheLimits {
  size_t max_gpus = 1024;
};

// The node's GPUs, in memory, with Kubernetes-style optimistic concurrency:
// every change bumps one monotonic resource version, stamped on the object
// (both Gpu.resource_version and metadata.resource_version). Thread-safe;
// reads take a shared lock and copy, writes are short.
class GpuCache {
 public:
  // `sink` (may be null) sees every change; `clock` stamps condition transitions.
  GpuCache(GpuCacheLimits limits, GpuEventSink* sink, const core::Clock* clock);

  struct CreateResult {
    v1::Gpu gpu;
    bool created = false;  // false: it existed already and is returned unchanged
  };
  // Idempotent registration. INVALID_ARGUMENT without a name; RESOURCE_EXHAUSTED
  // past the GPU limit.
  absl::StatusOr<CreateResult> Create(const v1::Gpu& gpu);

  // Replaces metadata labels and spec, keeping status. When gpu.resource_version
  // is set it must match (ABORTED otherwise). NOT_FOUND if absent.
  absl::StatusOr<v1::Gpu> Update(const v1::Gpu& gpu);

  // Replaces the status. `expected_version` 0 means unconditional; otherwise a
  // stale version fails with ABORTED. A condition keeps its last transition time
  // unless its status changed; new transitions without a time get the clock's now.
  absl::StatusOr<v1::Gpu> UpdateStatus(const std::string& name, const v1::GpuStatus& status,
                                       int64_t expected_version);

  absl::Status Delete(const std::string& name);
  absl::StatusOr<v1::Gpu> Get(const std::string& name) const;

  struct Snapshot {
    std::vector<v1::Gpu> gpus;  // by name
    int64_t resource_version = 0;
  };
  Snapshot List() const;

  // Runs `subscribe` and returns an ADDED event per GPU, before any later
  // change can be published, so a watcher sees the snapshot and then every
  // change after it, with no gap and no duplicate. The events are shared by
  // every watcher (built at most once per change, not once per watcher).
  std::vector<GpuEvent> ListAndSubscribe(const std::function<void()>& subscribe);

  int64_t resource_version() const;
  size_t size() const;

 private:
  struct Entry {
    v1::Gpu gpu;
    // The GPU as an ADDED event for new watchers; built when the first watcher
    // after a change needs it. Written under mu_ exclusive, or under mu_
    // shared together with added_mu_.
    GpuEvent added;
  };
  // Bumps the version onto `entry`, drops its stale ADDED event and publishes `type`.
  void Commit(const char* type, Entry& entry);

  const GpuCacheLimits limits_;
  GpuEventSink* const sink_;
  const core::Clock* const clock_;
  mutable std::shared_mutex mu_;
  std::mutex added_mu_;
  std::map<std::string, Entry> gpus_;
  int64_t resource_version_ = 0;
};

}  // namespace nvsx::device
