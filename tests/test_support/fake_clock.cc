#include "test_support/fake_clock.h"

#include <chrono>

namespace nvsx::test {

absl::Time FakeClock::Now() const {
  std::lock_guard<std::mutex> guard(mu_);
  return now_;
}

void FakeClock::SleepFor(absl::Duration duration) {
  std::lock_guard<std::mutex> guard(mu_);
  sleeps_.push_back(duration);
  if (duration > absl::ZeroDuration()) now_ += duration;
}

void FakeClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          absl::Time deadline) {
  if (Now() >= deadline) return;
  cv.wait_for(lock, std::chrono::milliseconds(1));
}

void FakeClock::Advance(absl::Duration duration) {
  std::lock_guard<std::mutex> guard(mu_);
  now_ += duration;
}

std::vector<absl::Duration> FakeClock::sleeps() const {
  std::lock_guard<std::mutex> guard(mu_);
  return sleeps_;
}

}  // namespace nvsx::test
