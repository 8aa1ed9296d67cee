#pragma once

// What every main() shares: logging setup, termination signals, exit codes.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/environment.h"
#include "core/http_server.h"
#include "core/logger.h"
#include "core/metrics.h"
#include "core/net_address.h"

namespace nvsx::cmd {

// Exit codes every program documents.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitUnavailable = 3;
inline constexpr int kExitInterrupted = 130;

// A logger writing to stderr, configured from --log-level / NVSX_LOG_LEVEL / NVSX_LOG_FORMAT.
absl::StatusOr<core::Logger> MakeStderrLogger(const std::optional<std::string>& level_flag,
                                              const core::Environment& env,
                                              const core::Clock* clock);

// Blocks SIGINT and SIGTERM in this thread and every thread it starts later;
// call it first in main(), then WaitForTerminationSignal() where the program idles.
void BlockTerminationSignals();
// Waits for SIGINT or SIGTERM and returns which.
int WaitForTerminationSignal();

// Drops SIGINT and SIGTERM that arrived while blocked and nobody waited (a
// Ctrl-C typed at a prompt), so they do not end what starts next.
void DiscardPendingTerminationSignals();

// Calls `on_signal` on a thread of its own for every SIGINT or SIGTERM that
// arrives while it lives (BlockTerminationSignals() must come first), with how
// many have arrived so far: the first asks to stop cleanly, a second may insist.
class SignalWatcher {
 public:
  explicit SignalWatcher(std::function<void(int signal, int count)> on_signal);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// This replica's name in a leader-election Lease: the --identity flag when
// given, else $POD_NAME (set from the downward API), else hostname-pid.
std::string ReplicaIdentity(const std::string& identity_flag, const core::Environment& env);

// This node's name for a node agent: the --node flag when given, else
// $NODE_NAME (set from the downward API), else the hostname.
std::string NodeName(const std::string& node_flag, const core::Environment& env);

// Serves `registry` as /metrics (beside core::HttpServer's /healthz, /livez
// and /readyz) on `listen`, calling `refresh` before each scrape; null when
// `listen` is empty (no metrics endpoint asked for).
absl::StatusOr<std::unique_ptr<core::HttpServer>> StartMetricsServer(
    const std::optional<core::HostPort>& listen, core::MetricsRegistry* registry,
    std::function<void()> refresh = [] {});

// Flag values parsed with errors that name the flag: "--listen: invalid address ...".
absl::StatusOr<absl::Duration> ParseDurationFlag(const char* flag, const std::string& value);
// Empty or "none" means "do not listen" (nullopt).
absl::StatusOr<std::optional<core::HostPort>> ParseAddressFlag(const char* flag,
                                                               const std::string& value);

// Prints "program: message" to stderr and returns the exit code for the status:
// 2 for bad input (invalid or not found), 3 for a missing dependency or unreachable service, 1
// otherwise.
int ReportError(const char* program, const absl::Status& status);

}  // namespace nvsx::cmd
