#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/metrics.h"

namespace nvsx::serve {

// What /metrics shows about `nvsx serve`: requests by status code, runs by
// outcome, the queue, and how long runs take. Thread-safe.
class ServeMetrics {
 public:
  // Registers the families in `registry`, which must outlive this.
  static absl::StatusOr<std::unique_ptr<ServeMetrics>> Create(core::MetricsRegistry* registry);

  void CountRequest(int http_status);
  // "pass", "fail", "interrupted", "error".
  void CountRun(const std::string& outcome);
  void ObserveRunDuration(absl::Duration duration);
  void SetQueued(size_t queued);
  void SetRunning(size_t running);

 private:
  ServeMetrics() = default;

  core::CounterFamily* requests_ = nullptr;
  core::CounterFamily* runs_ = nullptr;
  core::Histogram* run_duration_ = nullptr;
  core::Gauge* queued_ = nullptr;
  core::Gauge* running_ = nullptr;
};

}  // namespace nvsx::serve
