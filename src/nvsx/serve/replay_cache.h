#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>

#include "absl/time/time.h"

namespace nvsx::serve {

// The signatures seen within the replay window, so a captured request cannot
// be sent again while its timestamp is still accepted. Thread-safe. Memory is
// bounded: entries leave when their window ends, and a full cache refuses new
// ones rather than forgetting old ones (forgetting would reopen replays).
class ReplayCache {
 public:
  ReplayCache(absl::Duration window, size_t capacity) : window_(window), capacity_(capacity) {}

  enum class Result { kFirstSeen, kReplayed, kFull };
  // Records `signature` seen at `now`.
  Result Remember(const std::string& signature, absl::Time now);

  size_t size() const;

 private:
  void ExpireLocked(absl::Time now);

  const absl::Duration window_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> seen_;
  std::deque<std::pair<absl::Time, std::string>> by_time_;  // oldest first
};

}  // namespace nvsx::serve
