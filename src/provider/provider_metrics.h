#pragma once

#include <cstddef>
#include <memory>

#include "absl/status/statusor.h"
#include "core/metrics.h"

namespace nvsx::provider {

// The health provider's Prometheus metrics. Thread-safe.
//   nvsentinel_health_provider_gpus                      gauge: GPUs registered
//   nvsentinel_health_provider_samples_total{outcome}    counter: GPU reads, ok or error
//   nvsentinel_health_provider_reports_total{outcome}    counter: status updates sent
//   nvsentinel_health_provider_xids_total                counter: XIDs the driver reported
class ProviderMetrics {
 public:
  // Registers the families on `registry`, which must outlive this.
  static absl::StatusOr<std::unique_ptr<ProviderMetrics>> Create(core::MetricsRegistry* registry);

  void Registered(size_t gpus) { gpus_->Set(static_cast<double>(gpus)); }
  void Sampled(bool ok) { (ok ? samples_ok_ : samples_failed_)->Increment(); }
  void Reported(bool ok) { (ok ? reports_ok_ : reports_failed_)->Increment(); }
  void XidSeen() { xids_->Increment(); }

 private:
  ProviderMetrics() = default;

  core::Gauge* gpus_ = nullptr;
  core::Counter* samples_ok_ = nullptr;
  core::Counter* samples_failed_ = nullptr;
  core::Counter* reports_ok_ = nullptr;
  core::Counter* reports_failed_ = nullptr;
  core::Counter* xids_ = nullptr;
};

}  // namespace nvsx::provider
