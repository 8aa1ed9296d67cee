#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_split.h"
#include "core/process_spawn.h"
#include "core/str_cat.h"

namespace nvsx::core {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr char kDefaultPath[] = "/usr/local/bin:/usr/bin:/bin";
// How long to keep reading after the child exited, for output still buffered
// in the pipes or held open by a process that escaped the group (setsid).
constexpr auto kDrainAfterExit = std::chrono::milliseconds(500);

absl::Status ErrnoStatus(std::string_view what, int err) {
  return absl::InternalError(StrCat(what, ": ", std::strerror(err)));
}

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.Release()) {}
  Fd& operator=(Fd&& other) noexcept {
    Reset(other.Release());
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

absl::StatusOr<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe2", errno);
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Bounded capture of one output stream, keeping its head or its tail.
class Capture {
 public:
  Capture(size_t limit, CaptureKeep keep) : limit_(limit), keep_(keep) {}

  void Append(const char* data, size_t size) {
    if (keep_ == CaptureKeep::kHead) {
      size_t room = limit_ > text_.size() ? limit_ - text_.size() : 0;
      text_.append(data, std::min(room, size));
      truncated_ |= size > room;
      return;
    }
    text_.append(data, size);
    // Trim in batches so a chatty child does not cost a memmove per read.
    if (text_.size() > 2 * limit_ + 4096) Trim();
  }

  std::string Take(bool* truncated) {
    Trim();
    *truncated = truncated_;
    return std::move(text_);
  }

 private:
  void Trim() {
    if (text_.size() <= limit_) return;
    text_.erase(0, text_.size() - limit_);
    truncated_ = true;
  }

  size_t limit_;
  CaptureKeep keep_;
  std::string text_;
  bool truncated_ = false;
};

// Blocks SIGPIPE for the calling thread while stdin is written, so a child
// that closes its stdin early gives EPIPE instead of killing us, and
// consumes any SIGPIPE that write raised before restoring the mask.
class ScopedBlockSigpipe {
 public:
  ScopedBlockSigpipe() {
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    already_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask_);
  }
  ~ScopedBlockSigpipe() {
    if (!already_pending_) {
      sigset_t pipe_set;
      sigemptyset(&pipe_set);
      sigaddset(&pipe_set, SIGPIPE);
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }

 private:
  sigset_t old_mask_;
  bool already_pending_ = false;
};

}  // namespace

std::string SubprocessResult::Describe() const {
  std::string out =
      exited ? StrCat("exited with status ", exit_code)
             : StrCat("killed by signal ", term_signal, " (", SignalName(term_signal), ")");
  if (timed_out) StrAppend(&out, " after timing out at ", absl::FormatDuration(elapsed));
  return out;
}

absl::StatusOr<std::filesystem::path> FindExecutable(const std::string& program,
                                                     const std::string& path_list) {
  if (program.empty()) return absl::InvalidArgumentError("empty program name");
  if (program.find('/') != std::string::npos) return std::filesystem::path(program);
  for (const std::string& dir : std::vector<std::string>(absl::StrSplit(path_list, ':'))) {
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) {
      return candidate;
    }
  }
  return absl::NotFoundError(StrCat("executable \"", program, "\" not found in PATH=", path_list));
}

absl::StatusOr<SubprocessResult> RunSubprocess(const SubprocessOptions& options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("subprocess: argv is empty");
  auto program = FindExecutable(options.argv[0], options.env.Get("PATH").value_or(kDefaultPath));
  if (!program.ok()) return program.status();

  auto out_pipe = MakePipe();
  if (!out_pipe.ok()) return out_pipe.status();
  auto err_pipe = MakePipe();
  if (!err_pipe.ok()) return err_pipe.status();
  Pipe in_pipe;
  if (!options.stdin_data.empty()) {
    auto made = MakePipe();
    if (!made.ok()) return made.status();
    in_pipe = std::move(*made);
  }

  const auto start = SteadyClock::now();
  auto pid_or = SpawnInNewGroup({.program = *program,
                                 .argv = options.argv,
                                 .env = options.env,
                                 .working_dir = options.working_dir,
                                 .stdin_fd = in_pipe.read.get(),
                                 .stdout_fd = out_pipe->write.get(),
                                 .stderr_fd = err_pipe->write.get()});
  if (!pid_or.ok()) return pid_or.status();
  const pid_t pid = *pid_or;
  in_pipe.read.Reset();
  out_pipe->write.Reset();
  err_pipe->write.Reset();

  // pidfd lets poll() wake on the child's exit; without it, poll in short ticks.
  // (Via syscall: glibc 2.36's <sys/pidfd.h> lacks extern "C".)
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  Fd out_fd = std::move(out_pipe->read);
  Fd err_fd = std::move(err_pipe->read);
  Fd in_fd = std::move(in_pipe.write);
  SetNonBlocking(out_fd.get());
  SetNonBlocking(err_fd.get());
  if (in_fd.valid()) SetNonBlocking(in_fd.get());
  ScopedBlockSigpipe block_sigpipe;

  Capture out_capture(options.capture_limit, options.keep);
  Capture err_capture(options.capture_limit, options.keep);
  SubprocessResult result;
  size_t stdin_written = 0;
  bool reaped = false;
  bool term_sent = false;
  bool kill_sent = false;
  const bool has_timeout = options.timeout != absl::InfiniteDuration();
  const auto timeout_at = has_timeout ? start + absl::ToChronoMilliseconds(options.timeout)
                                      : SteadyClock::time_point::max();
  SteadyClock::time_point kill_at;
  SteadyClock::time_point drain_until;

  auto handle_exit = [&]() {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid == 0) {
      return;
    }
    // The zombie still holds the group id, so no other process can have taken it.
    if (options.kill_leftovers || result.timed_out) ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    reaped = true;
    result.exited = WIFEXITED(status);
    result.exit_code = result.exited ? WEXITSTATUS(status) : -1;
    result.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    drain_until = SteadyClock::now() + kDrainAfterExit;
  };

  std::array<char, 16384> buffer;
  auto drain = [&](Fd& fd, Capture& capture) {
    while (true) {
      ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
      if (n > 0) {
        capture.Append(buffer.data(), static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      fd.Reset();  // EOF or a read error: nothing more will come.
      return;
    }
  };

  while (!reaped || out_fd.valid() || err_fd.valid()) {
    const auto now = SteadyClock::now();
    if (reaped && now >= drain_until) break;
    if (!reaped && has_timeout && !term_sent && now >= timeout_at) {
      result.timed_out = true;
      term_sent = true;
      ::kill(-pid, SIGTERM);
      kill_at = now + absl::ToChronoMilliseconds(options.kill_grace);
    }
    if (!reaped && term_sent && !kill_sent && now >= kill_at) {
      kill_sent = true;
      ::kill(-pid, SIGKILL);
    }

    // Sleep until the next deadline, or in short ticks when there is no pidfd.
    SteadyClock::time_point wake = SteadyClock::time_point::max();
    if (reaped) wake = drain_until;
    if (!reaped && has_timeout && !term_sent) wake = std::min(wake, timeout_at);
    if (!reaped && term_sent && !kill_sent) wake = std::min(wake, kill_at);
    if (!reaped && !pidfd.valid()) wake = std::min(wake, now + std::chrono::milliseconds(10));
    int wait_ms = -1;
    if (wake != SteadyClock::time_point::max()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
      wait_ms = static_cast<int>(std::max<int64_t>(0, left));
    }

    std::array<pollfd, 4> fds{};
    nfds_t count = 0;
    auto watch = [&](const Fd& fd, short events) -> int {
      if (!fd.valid()) return -1;
      fds[count] = pollfd{fd.get(), events, 0};
      return static_cast<int>(count++);
    };
    const int out_slot = watch(out_fd, POLLIN);
    const int err_slot = watch(err_fd, POLLIN);
    const int in_slot = watch(in_fd, POLLOUT);
    const int pid_slot = reaped ? -1 : watch(pidfd, POLLIN);

    int ready = ::poll(fds.data(), count, wait_ms);
    if (ready < 0 && errno != EINTR) return ErrnoStatus("poll", errno);
    auto fired = [&](int slot) { return slot >= 0 && fds[slot].revents != 0; };
    if (fired(out_slot)) drain(out_fd, out_capture);
    if (fired(err_slot)) drain(err_fd, err_capture);
    if (fired(in_slot)) {
      const std::string& data = options.stdin_data;
      ssize_t n = ::write(in_fd.get(), data.data() + stdin_written, data.size() - stdin_written);
      if (n > 0) stdin_written += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || stdin_written == data.size()) {
        in_fd.Reset();
      }
    }
    if (!reaped && (fired(pid_slot) || !pidfd.valid())) handle_exit();
  }

  result.elapsed = absl::FromChrono(SteadyClock::now() - start);
  result.stdout_text = out_capture.Take(&result.stdout_truncated);
  result.stderr_text = err_capture.Take(&result.stderr_truncated);
  return result;
}

}  // namespace nvsx::core
