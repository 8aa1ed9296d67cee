#pragma once

#include <functional>
#include <thread>

#include "absl/time/time.h"
#include "core/clock.h"
#include "kube/cancel_token.h"

namespace nvsx::op {

// Work that can only be polled (a database behind kubectl exec): runs `tick`
// on a thread of its own at once on Start(), then `interval` after each tick
// ends, until Stop().
class PeriodicTask {
 public:
  // `tick` is handed the token Stop() cancels, so a long tick can end early.
  // `clock` must outlive this.
  PeriodicTask(core::WaitableClock* clock, absl::Duration interval,
               std::function<void(const kube::CancelToken&)> tick);
  ~PeriodicTask();  // Stop()
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Starts the thread; a second call does nothing.
  void Start();
  // Cancels the wait (and the token a tick holds) and joins the thread. A
  // stopped task does not start again. Idempotent.
  void Stop();

 private:
  core::WaitableClock* const clock_;
  const absl::Duration interval_;
  const std::function<void(const kube::CancelToken&)> tick_;
  kube::CancelToken cancel_;
  std::thread thread_;
};

}  // namespace nvsx::op
