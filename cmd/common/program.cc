#include "common/program.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <utility>

#include "core/duration.h"
#include "core/status_macros.h"
#include "core/str_cat.h"

namespace nvsx::cmd {

absl::StatusOr<core::Logger> MakeStderrLogger(const std::optional<std::string>& level_flag,
                                              const core::Environment& env,
                                              const core::Clock* clock) {
  auto options = core::ResolveLoggerOptions(level_flag, env, ::isatty(STDERR_FILENO) == 1);
  if (!options.ok()) return options.status();
  return core::Logger(std::make_shared<core::StreamLogSink>(stderr), *options, clock);
}

namespace {
sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
std::string Hostname() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTerminationSignal() {
  sigset_t set = TerminationSignals();
  int signal = 0;
  while (sigwait(&set, &signal) != 0) {
  }
  return signal;
}

void DiscardPendingTerminationSignals() {
  const sigset_t set = TerminationSignals();
  const timespec now = {0, 0};
  while (sigtimedwait(&set, nullptr, &now) > 0) {
  }
}

SignalWatcher::SignalWatcher(std::function<void(int signal, int count)> on_signal) {
  thread_ = std::thread([this, on_signal = std::move(on_signal)] {
    const sigset_t set = TerminationSignals();
    const timespec poll = {0, 100'000'000};  // how long destruction may wait
    int count = 0;
    while (!stop_.load()) {
      const int signal = sigtimedwait(&set, nullptr, &poll);
      if (signal > 0) on_signal(signal, ++count);
    }
  });
}

SignalWatcher::~SignalWatcher() {
  stop_.store(true);
  thread_.join();
}

absl::StatusOr<absl::Duration> ParseDurationFlag(const char* flag, const std::string& value) {
  auto parsed = core::ParseDuration(value);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(core::StrCat(flag, ": ", parsed.status().message()));
  }
  return parsed;
}

absl::StatusOr<std::optional<core::HostPort>> ParseAddressFlag(const char* flag,
                                                               const std::string& value) {
  if (value.empty() || value == "none") return std::optional<core::HostPort>();
  auto parsed = core::ParseHostPort(value);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(core::StrCat(flag, ": ", parsed.status().message()));
  }
  return std::optional<core::HostPort>(*parsed);
}

int ReportError(const char* program, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", program, std::string(status.message()).c_str());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:  // a runbook, file or object the user named
      return kExitBadInput;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnavailable:
      return kExitUnavailable;
    default:
      return kExitFailed;
  }
}

std::string ReplicaIdentity(const std::string& identity_flag, const core::Environment& env) {
  if (!identity_flag.empty()) return identity_flag;
  if (auto pod = env.Get("POD_NAME")) return *pod;
  return core::StrCat(Hostname(), "-", ::getpid());
}

std::string NodeName(const std::string& node_flag, const core::Environment& env) {
  if (!node_flag.empty()) return node_flag;
  if (auto from_env = env.Get("NODE_NAME")) return *from_env;
  return Hostname();
}

absl::StatusOr<std::unique_ptr<core::HttpServer>> StartMetricsServer(
    const std::optional<core::HostPort>& listen, core::MetricsRegistry* registry,
    std::function<void()> refresh) {
  if (!listen.has_value()) return nullptr;
  core::HttpServerOptions options;
  options.listen = *listen;
  auto server = std::make_unique<core::HttpServer>(options);
  server->routes().Get("/metrics", [registry, refresh = std::move(refresh)](
                                       const httplib::Request&, httplib::Response& response) {
    refresh();
    response.set_content(registry->Render(), core::MetricsRegistry::kContentType);
  });
  NVSX_RETURN_IF_ERROR(server->Start());
  return server;
}

}  // namespace nvsx::cmd
