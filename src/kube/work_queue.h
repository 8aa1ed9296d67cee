#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/clock.h"

namespace nvsx::kube {

struct WorkQueueOptions {
  // AddRateLimited waits base * 2^failures for a key, capped at max (as
  // client-go's per-item exponential limiter, 5ms .. 1000s).
  absl::Duration failure_base = absl::Milliseconds(5);
  absl::Duration failure_max = absl::Seconds(1000);
};

// A controller's work queue of keys ("namespace/name"), as client-go's:
// - a key queued twice is handed out once (deduplication);
// - a key is never handed to two workers at once: Get marks it processing
//   until Done, and a key added meanwhile is queued again at Done;
// - AddAfter and AddRateLimited delay a key; Forget resets its failure count.
// After ShutDown new keys are dropped, keys already queued are still handed
// out, and Get returns nullopt once the queue is empty. Thread-safe; `clock`
// must outlive the queue.
class WorkQueue {
 public:
  explicit WorkQueue(core::WaitableClock* clock, WorkQueueOptions options = {});

  void Add(const std::string& key);
  // Adds `key` once `delay` has passed (at once when it is not positive). A
  // key already waiting keeps the earlier of the two times.
  void AddAfter(const std::string& key, absl::Duration delay);
  // Adds `key` after its per-key exponential backoff and counts a failure.
  void AddRateLimited(const std::string& key);
  // Clears the failure count of `key` (call after it was handled successfully).
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is ready and returns it, marked processing; the caller
  // must call Done(key) when finished. nullopt: shut down and drained.
  std::optional<std::string> Get();
  void Done(const std::string& key);

  void ShutDown();
  bool ShuttingDown() const;
  // Keys ready to be handed out now (delayed keys whose time has come
  // included; processing ones not).
  size_t Len();

 private:
  struct Delayed {
    absl::Time ready;
    std::string key;
    bool operator>(const Delayed& other) const { return ready > other.ready; }
  };
  void AddLocked(const std::string& key);  // mu_ held
  void PromoteDueLocked(absl::Time now);   // mu_ held
  absl::Duration BackoffFor(int failures) const;

  core::WaitableClock* clock_;
  const WorkQueueOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;       // queued or to be re-queued at Done
  std::set<std::string> processing_;  // handed out, not Done yet
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed_;
  std::map<std::string, absl::Time> waiting_;  // key -> earliest ready time in delayed_
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
};

}  // namespace nvsx::kube
