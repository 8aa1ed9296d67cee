#pragma once

#include <map>
#include <vector>

#include "absl/time/time.h"
#include "nvml/gpu_types.h"

namespace nvsx::provider {

// The XIDs each GPU reported recently. An XID stops counting when it is older
// than `retention`, or when the GPU comes back after being unresponsive (it
// was reset or the node rebooted, so the fault it reported is gone).
class XidHistory {
 public:
  explicit XidHistory(absl::Duration retention) : retention_(retention) {}

  void Record(const nvml::XidEvent& event);
  // Tells the history whether GPU `index` answers now; a return to
  // responsive clears the XIDs it reported before.
  void ObserveResponsive(int index, bool responsive);
  std::vector<nvml::XidEvent> Recent(int index, absl::Time now);

 private:
  const absl::Duration retention_;
  std::map<int, std::vector<nvml::XidEvent>> events_;
  std::map<int, bool> unresponsive_;
};

}  // namespace nvsx::provider
