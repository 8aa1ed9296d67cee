#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/clock.h"

namespace nvsx::device {

// Tracks provider liveness. A provider that has not beaten within `timeout`
// expires once; its GPUs are reported by TakeExpired() so their conditions can
// be set to Unknown. A later beat revives it.
class HeartbeatMonitor {
 public:
  HeartbeatMonitor(const core::Clock* clock, absl::Duration timeout);

  void Beat(const std::string& provider, std::vector<std::string> gpu_names);

  struct Expired {
    std::string provider;
    std::vector<std::string> gpu_names;
    absl::Duration silent_for;
  };
  // Providers that expired since the last call, each reported once.
  std::vector<Expired> TakeExpired();

  absl::Duration timeout() const { return timeout_; }

 private:
  struct Provider {
    absl::Time last_beat;
    std::vector<std::string> gpu_names;
    bool expired = false;
  };
  const core::Clock* clock_;
  const absl::Duration timeout_;
  std::mutex mu_;
  std::map<std::string, Provider> providers_;
};

}  // namespace nvsx::device
