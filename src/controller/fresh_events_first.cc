#include "controller/fresh_events_first.h"

#include <utility>

namespace nvsx::controller {

FreshEventsFirst::FreshEventsFirst(std::function<void(const std::string&)> enqueue,
                                   const core::Clock* clock, absl::Duration max_wait)
    : enqueue_(std::move(enqueue)), clock_(clock), max_wait_(max_wait) {}

void FreshEventsFirst::Queued(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  fresh_.insert(name);
}

void FreshEventsFirst::Started(const std::string& name) {
  std::set<std::string> resume;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fresh_.erase(name);
    if (fresh_.empty()) resume.swap(aside_);
  }
  for (const std::string& event : resume) enqueue_(event);
}

bool FreshEventsFirst::StepAside(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = clock_->Now();
  const auto since = waiting_.emplace(name, now).first;
  if (fresh_.empty() || now - since->second >= max_wait_) {
    waiting_.erase(since);
    return false;
  }
  aside_.insert(name);
  return true;
}

}  // namespace nvsx::controller
