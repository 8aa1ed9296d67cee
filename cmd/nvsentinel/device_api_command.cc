#include "nvsentinel/device_api_command.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "common/flag_checks.h"
#include "common/program.h"
#include "core/duration.h"
#include "core/net_address.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "device/device_api_server.h"

namespace nvsx::cmd {
namespace {

struct DeviceApiFlags {
  std::string socket = "/var/run/device-api/device.sock";
  std::string listen = "127.0.0.1:50051";
  bool allow_remote = false;
  std::string metrics_listen;
  std::string ready_timeout = "30s";
  std::string heartbeat_timeout = "30s";
  size_t watch_queue_limit = 1024;
  size_t max_watches = 1024;
  size_t max_gpus = 1024;
  std::optional<std::string> log_level;
};

absl::StatusOr<device::DeviceApiServerOptions> BuildOptions(const DeviceApiFlags& flags) {
  device::DeviceApiServerOptions options;
  options.socket_path = flags.socket == "none" ? "" : flags.socket;
  NVSX_ASSIGN_OR_RETURN(options.listen, ParseAddressFlag("--listen", flags.listen));
  NVSX_ASSIGN_OR_RETURN(options.metrics_listen,
                        ParseAddressFlag("--metrics-listen", flags.metrics_listen));
  options.allow_non_loopback = flags.allow_remote;
  NVSX_ASSIGN_OR_RETURN(options.ready_timeout,
                        ParseDurationFlag("--ready-timeout", flags.ready_timeout));
  NVSX_ASSIGN_OR_RETURN(options.heartbeat_timeout,
                        ParseDurationFlag("--heartbeat-timeout", flags.heartbeat_timeout));
  options.watch_queue_limit = flags.watch_queue_limit;
  options.max_watches = flags.max_watches;
  options.limits.max_gpus = flags.max_gpus;
  return options;
}

int Run(const DeviceApiFlags& flags, const core::Environment& env) {
  core::SystemClock clock;
  auto logger = MakeStderrLogger(flags.log_level, env, &clock);
  if (!logger.ok()) return ReportError("nvsentinel device-api", logger.status());
  auto options = BuildOptions(flags);
  if (!options.ok()) return ReportError("nvsentinel device-api", options.status());
  auto server = device::DeviceApiServer::Start(*options, &clock, *logger);
  if (!server.ok()) return ReportError("nvsentinel device-api", server.status());
  // One line on stdout that scripts and tests read to find the server.
  std::printf("device-api serving socket=%s tcp=%d metrics=%d\n",
              options->socket_path.empty() ? "none" : options->socket_path.c_str(),
              (*server)->tcp_port(), (*server)->metrics_port());
  std::fflush(stdout);
  logger->Info("device API serving",
               {{"socket", options->socket_path}, {"tcp_port", (*server)->tcp_port()}});
  int signal = WaitForTerminationSignal();
  logger->Info("shutting down", {{"signal", signal}});
  (*server)->Shutdown();
  return kExitOk;
}

}  // namespace

std::function<int()> AddDeviceApiCommand(CLI::App& app, const core::Environment& env) {
  auto flags = std::make_shared<DeviceApiFlags>();
  CLI::App* command = app.add_subcommand(
      "device-api", "Serve the node's GPUs over gRPC (nvidia.device.v1alpha1.GpuService)");
  command->add_option("--socket", flags->socket, "Unix socket path, or 'none'")
      ->capture_default_str();
  command->add_option("--listen", flags->listen, "TCP HOST:PORT (port 0 picks one), or 'none'")
      ->capture_default_str();
  command->add_flag("--allow-remote", flags->allow_remote,
                    "Allow --listen beyond loopback (the API is unauthenticated)");
  command->add_option("--metrics-listen", flags->metrics_listen,
                      "HOST:PORT for /metrics, /healthz and /readyz");
  command
      ->add_option("--ready-timeout", flags->ready_timeout,
                   "Serve List/Watch after this long even if no provider registered")
      ->capture_default_str();
  command
      ->add_option("--heartbeat-timeout", flags->heartbeat_timeout,
                   "Mark a silent provider's GPUs Unknown after this long")
      ->capture_default_str();
  command
      ->add_option("--watch-queue-limit", flags->watch_queue_limit,
                   "Events a watcher may fall behind before it is dropped")
      ->capture_default_str()
      ->check(WholeNumberAtLeast(1));
  command->add_option("--max-watches", flags->max_watches, "Concurrent watches allowed")
      ->capture_default_str()
      ->check(WholeNumberAtLeast(1));
  command->add_option("--max-gpus", flags->max_gpus, "GPUs the cache holds at most")
      ->capture_default_str()
      ->check(WholeNumberAtLeast(1));
  command->add_option("--log-level", flags->log_level, "debug, info, warn or error");
  return [command, flags, &env]() -> int { return *command ? Run(*flags, env) : -1; };
}

}  // namespace nvsx::cmd
