#include "core/process_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

#include <cerrno>
#include <cstring>

#include "core/str_cat.h"

namespace nvsx::core {
namespace {

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

absl::StatusOr<pid_t> SpawnInNewGroup(const SpawnSpec& spec) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (spec.stdin_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, spec.stdin_fd, STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, spec.stdout_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, spec.stderr_fd, STDERR_FILENO);
  if (!spec.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, spec.working_dir.c_str());
  }

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attr, &signals);
  sigfillset(&signals);
  posix_spawnattr_setsigdefault(&attr, &signals);

  std::vector<std::string> argv = spec.argv;
  std::vector<std::string> envp = spec.env.ToEnvp();
  std::vector<char*> argv_c = CStrings(argv);
  std::vector<char*> envp_c = CStrings(envp);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, spec.program.c_str(), &actions, &attr, argv_c.data(), envp_c.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    std::string what = StrCat("cannot start ", spec.program.string());
    if (!spec.working_dir.empty()) StrAppend(&what, " in ", spec.working_dir.string());
    StrAppend(&what, ": ", std::strerror(rc));
    if (rc == ENOENT || rc == EACCES) return absl::FailedPreconditionError(what);
    return absl::InternalError(what);
  }
  return pid;
}

std::string SignalName(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? StrCat("SIG", abbrev) : StrCat("signal ", sig);
}

}  // namespace nvsx::core
