#include "provider/xid_history.h"

#include <algorithm>

namespace nvsx::provider {

void XidHistory::Record(const nvml::XidEvent& event) { events_[event.gpu_index].push_back(event); }

void XidHistory::ObserveResponsive(int index, bool responsive) {
  bool& was_unresponsive = unresponsive_[index];
  if (was_unresponsive && responsive) events_.erase(index);
  was_unresponsive = !responsive;
}

std::vector<nvml::XidEvent> XidHistory::Recent(int index, absl::Time now) {
  auto it = events_.find(index);
  if (it == events_.end()) return {};
  std::erase_if(it->second,
                [&](const nvml::XidEvent& event) { return now - event.time > retention_; });
  return it->second;
}

}  // namespace nvsx::provider
