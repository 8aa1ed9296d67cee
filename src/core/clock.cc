#include "core/clock.h"

#include <chrono>

namespace nvsx::core {

void SystemClock::SleepFor(absl::Duration duration) { absl::SleepFor(duration); }

void SystemClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                            absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) {
    cv.wait(lock);
    return;
  }
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return;
  // wait_for on the steady clock: immune to wall-clock steps while waiting.
  cv.wait_for(lock, absl::ToChronoNanoseconds(left));
}

}  // namespace nvsx::core
