#include "nvsx/serve/replay_cache.h"

namespace nvsx::serve {

void ReplayCache::ExpireLocked(absl::Time now) {
  while (!by_time_.empty() && by_time_.front().first + window_ < now) {
    seen_.erase(by_time_.front().second);
    by_time_.pop_front();
  }
}

ReplayCache::Result ReplayCache::Remember(const std::string& signature, absl::Time now) {
  std::lock_guard lock(mu_);
  ExpireLocked(now);
  if (seen_.count(signature) > 0) return Result::kReplayed;
  if (seen_.size() >= capacity_) return Result::kFull;
  seen_.insert(signature);
  by_time_.emplace_back(now, signature);
  return Result::kFirstSeen;
}

size_t ReplayCache::size() const {
  std::lock_guard lock(mu_);
  return seen_.size();
}

}  // namespace nvsx::serve
