#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "core/clock.h"

namespace nvsx::controller {

// The order a burst is worked in: events the controller has not looked at
// yet (no phase: just created) go first, so every failing node's quarantine
// has begun before any node is drained or remediated. A reconcile of an
// event past New steps aside while fresh events wait in the queue, and the
// events that stepped aside are queued again once none does. A steady flood
// of new events cannot park the others for good: an event that has waited
// `max_wait` is worked at once. Thread-safe.
class FreshEventsFirst {
 public:
  // `enqueue` queues an event again; it is called without the lock held.
  // `clock` must outlive this.
  FreshEventsFirst(std::function<void(const std::string&)> enqueue, const core::Clock* clock,
                   absl::Duration max_wait = absl::Seconds(10));

  // A fresh event was queued.
  void Queued(const std::string& name);
  // A worker picked `name` up: it no longer waits.
  void Started(const std::string& name);
  // True when fresh events wait and `name` has not waited max_wait yet: the
  // caller stops working on `name`, which is queued again once none waits.
  bool StepAside(const std::string& name);

 private:
  const std::function<void(const std::string&)> enqueue_;
  const core::Clock* const clock_;
  const absl::Duration max_wait_;
  std::mutex mu_;
  std::set<std::string> fresh_;                // queued, not picked up yet
  std::set<std::string> aside_;                // stepped aside for them
  std::map<std::string, absl::Time> waiting_;  // since it first stepped aside
};

}  // namespace nvsx::controller
