#pragma once

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nvsx::test {

// Polls `condition` in real time until it holds or `limit` passes, and says
// whether it held. For code under test that runs on threads of its own, which a
// test can observe but never step. One last check comes after the deadline, so
// a condition that turns true while the poll sleeps still counts.
inline bool Eventually(const std::function<bool()>& condition,
                       absl::Duration limit = absl::Seconds(30),
                       absl::Duration poll = absl::Milliseconds(2)) {
  for (const absl::Time end = absl::Now() + limit; absl::Now() < end;) {
    if (condition()) return true;
    absl::SleepFor(poll);
  }
  return condition();
}

}  // namespace nvsx::test
