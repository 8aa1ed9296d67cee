#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/environment.h"

namespace nvsx::core {

struct ChildProcessOptions {
  // argv[0] is the program: a path, or a name looked up in env's PATH.
  std::vector<std::string> argv;
  Environment env;  // the child's whole environment
  std::filesystem::path working_dir;
  // stdout and stderr are appended here (created if missing); empty: /dev/null.
  std::filesystem::path log_file;
};

// How a child ended.
struct ChildExit {
  bool exited = false;  // true: exit_code is valid; false: killed by term_signal
  int exit_code = -1;
  int term_signal = 0;

  // "exited with status 3", "killed by signal 9 (SIGKILL)".
  std::string Describe() const;
};

// A long-running child (a server, a daemon) in its own process group, whose
// output goes to a log file. The owner stops it; the destructor stops one
// still running, so a child never outlives its owner by accident.
class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(const ChildProcessOptions& options);
  ~ChildProcess();  // Stop(absl::Seconds(2)) when still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }

  // How it ended, once it has; does not block.
  std::optional<ChildExit> Poll();
  // SIGTERM to its whole group, SIGKILL to the group after `grace`; waits
  // for it and returns how it ended. Idempotent.
  ChildExit Stop(absl::Duration grace);
  // SIGKILL to its group at once (what a crash or an OOM kill looks like).
  ChildExit Kill();

 private:
  ChildProcess(pid_t pid, std::string name) : pid_(pid), name_(std::move(name)) {}
  std::optional<ChildExit> Reap(bool block);

  const pid_t pid_;
  const std::string name_;  // argv[0]'s file name
  std::optional<ChildExit> exit_;
};

}  // namespace nvsx::core
