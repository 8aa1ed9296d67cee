#pragma once

// Starting a program in its own process group, as both RunSubprocess (run to
// completion, output captured) and ChildProcess (a long-running service)
// need it.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/environment.h"

namespace nvsx::core {

struct SpawnSpec {
  std::filesystem::path program;  // resolved (FindExecutable)
  std::vector<std::string> argv;
  Environment env;                    // the child's whole environment
  std::filesystem::path working_dir;  // empty: the caller's
  // Descriptors dup'ed onto the child's 0, 1 and 2; stdin_fd < 0 is /dev/null.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// Starts the child in a new process group (its pid is the group id), with an
// empty signal mask and default dispositions whatever the caller blocks.
// FailedPrecondition when the program is missing or not executable.
absl::StatusOr<pid_t> SpawnInNewGroup(const SpawnSpec& spec);

// "SIGTERM", or "signal 64" for one without a name.
std::string SignalName(int sig);

}  // namespace nvsx::core
