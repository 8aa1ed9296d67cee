#include "core/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/process_spawn.h"
#include "core/str_cat.h"
#include "core/subprocess.h"

namespace nvsx::core {
namespace {

constexpr char kDefaultPath[] = "/usr/local/bin:/usr/bin:/bin";

ChildExit FromWaitStatus(int status) {
  ChildExit exit;
  exit.exited = WIFEXITED(status);
  exit.exit_code = exit.exited ? WEXITSTATUS(status) : -1;
  exit.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return exit;
}

}  // namespace

std::string ChildExit::Describe() const {
  return exited ? StrCat("exited with status ", exit_code)
                : StrCat("killed by signal ", term_signal, " (", SignalName(term_signal), ")");
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const ChildProcessOptions& options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("child process: argv is empty");
  auto program = FindExecutable(options.argv[0], options.env.Get("PATH").value_or(kDefaultPath));
  if (!program.ok()) return program.status();
  const char* log_path = options.log_file.empty() ? "/dev/null" : options.log_file.c_str();
  const int log_fd = ::open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::FailedPreconditionError(
        StrCat("cannot open the log file ", log_path, ": ", std::strerror(errno)));
  }
  auto pid = SpawnInNewGroup({.program = *program,
                              .argv = options.argv,
                              .env = options.env,
                              .working_dir = options.working_dir,
                              .stdout_fd = log_fd,
                              .stderr_fd = log_fd});
  ::close(log_fd);
  if (!pid.ok()) return pid.status();
  return std::unique_ptr<ChildProcess>(new ChildProcess(*pid, program->filename().string()));
}

ChildProcess::~ChildProcess() { Stop(absl::Seconds(2)); }

std::optional<ChildExit> ChildProcess::Reap(bool block) {
  if (exit_.has_value()) return exit_;
  int status = 0;
  pid_t reaped;
  do {
    reaped = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == pid_) {
    exit_ = FromWaitStatus(status);
    // Whatever it left in its group goes with it.
    ::kill(-pid_, SIGKILL);
  } else if (reaped < 0) {
    exit_ = ChildExit{};  // ECHILD: someone else reaped it; nothing more to learn
  }
  return exit_;
}

std::optional<ChildExit> ChildProcess::Poll() { return Reap(/*block=*/false); }

ChildExit ChildProcess::Stop(absl::Duration grace) {
  if (auto done = Poll(); done.has_value()) return *done;
  ::kill(-pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + grace;
  while (absl::Now() < deadline) {
    if (auto done = Poll(); done.has_value()) return *done;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Kill();
}

ChildExit ChildProcess::Kill() {
  if (auto done = Poll(); done.has_value()) return *done;
  ::kill(-pid_, SIGKILL);
  return *Reap(/*block=*/true);
}

}  // namespace nvsx::core
