#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/metrics.h"

namespace nvsx::janitor {

// The janitor's Prometheus metrics. Thread-safe.
//   nvsentinel_janitor_requests_total{kind,outcome}    counter: started, succeeded, failed
//   nvsentinel_janitor_request_duration_seconds{kind,outcome}
//                                                      histogram: startTime -> completion
// kind is RebootNode or GPUReset.
class JanitorMetrics {
 public:
  // Registers the families on `registry`, which must outlive this.
  static absl::StatusOr<std::unique_ptr<JanitorMetrics>> Create(core::MetricsRegistry* registry);

  void Started(std::string_view kind);
  // `succeeded` false: failed. `duration`: from the request's start.
  void Finished(std::string_view kind, bool succeeded, absl::Duration duration);

 private:
  JanitorMetrics() = default;

  core::CounterFamily* requests_ = nullptr;
  core::HistogramFamily* durations_ = nullptr;
};

}  // namespace nvsx::janitor
