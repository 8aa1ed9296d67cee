#include "device/heartbeat_monitor.h"

namespace nvsx::device {

HeartbeatMonitor::HeartbeatMonitor(const core::Clock* clock, absl::Duration timeout)
    : clock_(clock), timeout_(timeout) {}

void HeartbeatMonitor::Beat(const std::string& provider, std::vector<std::string> gpu_names) {
  std::lock_guard<std::mutex> lock(mu_);
  providers_[provider] = Provider{clock_->Now(), std::move(gpu_names), false};
}

std::vector<HeartbeatMonitor::Expired> HeartbeatMonitor::TakeExpired() {
  const absl::Time now = clock_->Now();
  std::vector<Expired> expired;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, provider] : providers_) {
    const absl::Duration silent = now - provider.last_beat;
    if (provider.expired || silent <= timeout_) continue;
    provider.expired = true;
    expired.push_back({name, provider.gpu_names, silent});
  }
  return expired;
}

}  // namespace nvsx::device
