#pragma once

#include <functional>
#include <mutex>
#include <set>
#include <string>

namespace nvsx::controller {

// The order a burst is worked in: events the controller has not looked at
// yet (no phase: just created) go first, so every failing node is cordoned
// before any is drained or remediated. A reconcile of an event past New
// steps aside while fresh events wait in the queue, and the events that
// stepped aside are queued again once none does. Thread-safe.
class FreshEventsFirst {
 public:
  // `enqueue` queues an event again; it is called without the lock held.
  explicit FreshEventsFirst(std::function<void(const std::string&)> enqueue);

  // A fresh event was queued.
  void Queued(const std::string& name);
  // A worker picked `name` up: it no longer waits.
  void Started(const std::string& name);
  // True when fresh events wait: the caller stops working on `name`, which
  // is queued again once none waits.
  bool StepAside(const std::string& name);

 private:
  const std::function<void(const std::string&)> enqueue_;
  std::mutex mu_;
  std::set<std::string> fresh_;  // queued, not picked up yet
  std::set<std::string> aside_;  // stepped aside for them
};

}  // namespace nvsx::controller
