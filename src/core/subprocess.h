#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/environment.h"

namespace nvsx::core {

// Which part of an over-long output stream to keep.
enum class CaptureKeep { kHead, kTail };

struct SubprocessOptions {
  // argv[0] is the program: a path, or a name looked up in env's PATH.
  // Arguments are passed as they are; no shell ever sees them.
  std::vector<std::string> argv;
  // The child's whole environment: nothing is inherited that is not here.
  Environment env;
  // Empty: the caller's working directory.
  std::filesystem::path working_dir;
  std::string stdin_data;
  absl::Duration timeout = absl::InfiniteDuration();
  // After the timeout the process group gets SIGTERM, then SIGKILL this much later.
  absl::Duration kill_grace = absl::Seconds(2);
  // Bytes kept per stream; the rest is counted and dropped.
  size_t capture_limit = 64 * 1024;
  CaptureKeep keep = CaptureKeep::kTail;
  // When the child exits, kill whatever it left running in its process group.
  bool kill_leftovers = true;
};

struct SubprocessResult {
  bool exited = false;  // true: exit_code is valid; false: killed by term_signal
  int exit_code = -1;
  int term_signal = 0;
  bool timed_out = false;
  std::string stdout_text;
  std::string stderr_text;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  absl::Duration elapsed;

  bool Succeeded() const { return exited && exit_code == 0 && !timed_out; }
  // "exited with status 3", "killed by signal 9 (SIGKILL) after timing out at 5s".
  std::string Describe() const;
};

// Runs a program to completion in its own process group, capturing its
// output. A child that runs past `timeout` is terminated with its whole
// process group (children included, even those that ignore SIGTERM).
// Returns an error only when the program could not be started; a program that
// fails or is killed is a successful call whose result says so.
absl::StatusOr<SubprocessResult> RunSubprocess(const SubprocessOptions& options);

// Looks `program` up in `path_list` (a PATH value) unless it contains a slash.
absl::StatusOr<std::filesystem::path> FindExecutable(const std::string& program,
                                                     const std::string& path_list);

}  // namespace nvsx::core
