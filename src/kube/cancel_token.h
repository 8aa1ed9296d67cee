#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "absl/time/time.h"
#include "core/clock.h"

namespace nvsx::kube {

// A one-way "stop now" signal shared between the thread that cancels and the
// work that should stop: long calls poll cancelled(), sleep with WaitUntil(),
// and register a waker that unblocks whatever they are blocked in (a socket
// in poll(), a condition variable). Thread-safe; once cancelled, it stays so.
class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // Sets the signal and runs every registered waker once. Idempotent.
  void Cancel();
  bool cancelled() const;

  // Runs `wake` on Cancel(), or at once (on this thread) when already
  // cancelled. Wakers run under the token's lock: they must be quick and must
  // not call back into the token. Returns an id for RemoveWaker.
  uint64_t AddWaker(std::function<void()> wake) const;
  // After this returns, the waker is not running and will not run.
  void RemoveWaker(uint64_t id) const;

  // Sleeps on `clock` until `deadline` or until cancelled, whichever comes
  // first; returns false when cancelled.
  bool WaitUntil(core::WaitableClock* clock, absl::Time deadline) const;

 private:
  // Registration is a const operation: code handed a `const CancelToken*` may
  // listen for the signal but not raise it.
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable std::map<uint64_t, std::function<void()>> wakers_;
  mutable uint64_t next_id_ = 1;
  bool cancelled_ = false;
};

}  // namespace nvsx::kube
