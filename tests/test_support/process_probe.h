#pragma once

// Whether a process still runs, for tests that check a child (and what it
// started) is gone.

#include <sys/types.h>

#include <fstream>
#include <iterator>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nvsx::test {

// True when the process no longer runs: gone, or a zombie waiting for its reaper.
inline bool ProcessIsGone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string contents((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t close_paren = contents.rfind(')');
  return close_paren != std::string::npos && contents.size() > close_paren + 2 &&
         (contents[close_paren + 2] == 'Z' || contents[close_paren + 2] == 'X');
}

// SIGKILL is delivered asynchronously: give the kernel a moment to finish the process.
inline bool ProcessEnds(pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    if (ProcessIsGone(pid)) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

}  // namespace nvsx::test
