#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/metrics.h"

namespace nvsx::publisher {

// The publisher's Prometheus metrics. Thread-safe.
//   nvsentinel_publisher_events_total{action}          counter: opened, updated, closed
//   nvsentinel_publisher_sync_failures_total          counter: syncs retried later
//   nvsentinel_publisher_fault_to_event_seconds        histogram: a fault's onset (the
//                                                      device API's transition) -> its event
class PublisherMetrics {
 public:
  // Registers the families on `registry`, which must outlive this.
  static absl::StatusOr<std::unique_ptr<PublisherMetrics>> Create(core::MetricsRegistry* registry);

  void Opened() { opened_->Increment(); }
  // A new event `since_onset` after its fault's condition turned True.
  void ObserveFaultToEvent(absl::Duration since_onset);
  void Updated() { updated_->Increment(); }
  void Closed() { closed_->Increment(); }
  void SyncFailed() { sync_failures_->Increment(); }

 private:
  PublisherMetrics() = default;

  core::Counter* opened_ = nullptr;
  core::Counter* updated_ = nullptr;
  core::Counter* closed_ = nullptr;
  core::Counter* sync_failures_ = nullptr;
  core::Histogram* fault_to_event_ = nullptr;
};

}  // namespace nvsx::publisher
