#include "nvsentinel/janitor_command.h"

#include <memory>
#include <optional>
#include <string>

#include "common/flag_checks.h"
#include "common/kube_flags.h"
#include "common/program.h"
#include "core/duration.h"
#include "core/http_server.h"
#include "core/metrics.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "janitor/command_backend.h"
#include "janitor/janitor.h"
#include "janitor/janitor_metrics.h"
#include "janitor/names.h"
#include "janitor/none_backend.h"
#include "janitor/sim_backend.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"
#include "nvsx_version.h"

namespace nvsx::cmd {
namespace {

constexpr char kProgram[] = "nvsentinel janitor";

struct JanitorFlags {
  KubeClientFlags kube;
  std::string backend;
  std::string reboot_timeout = "10m";
  std::string reset_timeout = "5m";
  std::string sim_reboot_downtime = "1s";
  std::string reboot_command;
  std::string reset_command;
  std::string command_timeout = "2m";
  int workers = 4;
  bool leader_elect = true;
  std::string identity;
  std::string metrics_listen;
  std::optional<std::string> log_level;
};

// The janitor's settings once every flag has been checked.
struct JanitorSettings {
  kube::LeaderRunnerOptions runner;
  janitor::JanitorOptions janitor;
  janitor::SimBackendOptions sim;
  janitor::CommandBackendOptions command;
};

absl::StatusOr<absl::Duration> PositiveDuration(const char* flag, const std::string& value) {
  NVSX_ASSIGN_OR_RETURN(absl::Duration duration, ParseDurationFlag(flag, value));
  if (duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(core::StrCat(flag, ": must be longer than 0, e.g. 10m"));
  }
  return duration;
}

absl::StatusOr<JanitorSettings> Settings(const JanitorFlags& flags, const core::Environment& env) {
  JanitorSettings settings;
  settings.runner.leader_elect = flags.leader_elect;
  settings.runner.election.lease_namespace = std::string(janitor::kLeaseNamespace);
  settings.runner.election.lease_name = std::string(janitor::kLeaseName);
  settings.runner.election.identity = ReplicaIdentity(flags.identity, env);
  settings.janitor.loop.workers = flags.workers;
  NVSX_ASSIGN_OR_RETURN(settings.janitor.reboot_timeout,
                        PositiveDuration("--reboot-timeout", flags.reboot_timeout));
  NVSX_ASSIGN_OR_RETURN(settings.janitor.reset_timeout,
                        PositiveDuration("--reset-timeout", flags.reset_timeout));
  NVSX_ASSIGN_OR_RETURN(settings.sim.reboot_downtime,
                        ParseDurationFlag("--sim-reboot-downtime", flags.sim_reboot_downtime));
  // Node condition times have one-second resolution: a shorter reboot could
  // not be told apart from no reboot at all.
  if (settings.sim.reboot_downtime < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "--sim-reboot-downtime: at least 1s (node condition times have one-second resolution, "
        "so a shorter reboot cannot be told apart from none)");
  }
  const bool command = flags.backend == "command";
  if (command && flags.reboot_command.empty()) {
    return absl::InvalidArgumentError(
        "--backend command needs --reboot-command PATH: the program that reboots a node, run as "
        "PATH NODE [--force] (e.g. a wrapper around ipmitool or your cloud's CLI); add "
        "--reset-command PATH for GPU resets");
  }
  if (!command && (!flags.reboot_command.empty() || !flags.reset_command.empty())) {
    return absl::InvalidArgumentError(core::StrCat(
        flags.reboot_command.empty() ? "--reset-command" : "--reboot-command",
        ": only used with --backend command (this janitor runs --backend ", flags.backend, ")"));
  }
  if (command) {
    NVSX_RETURN_IF_ERROR(janitor::CheckExecutable("--reboot-command", flags.reboot_command));
    if (!flags.reset_command.empty()) {
      NVSX_RETURN_IF_ERROR(janitor::CheckExecutable("--reset-command", flags.reset_command));
    }
  }
  settings.command.reboot_command = flags.reboot_command;
  settings.command.reset_command = flags.reset_command;
  NVSX_ASSIGN_OR_RETURN(settings.command.timeout,
                        PositiveDuration("--command-timeout", flags.command_timeout));
  settings.command.env = env;
  return settings;
}

absl::StatusOr<std::unique_ptr<janitor::JanitorBackend>> MakeBackend(
    const JanitorFlags& flags, const JanitorSettings& settings, kube::RestClient* client,
    core::WaitableClock* clock, const core::Logger& logger) {
  if (flags.backend == "sim") {
    return std::make_unique<janitor::SimBackend>(client, clock, settings.sim,
                                                 logger.With({{"component", "sim-backend"}}));
  }
  if (flags.backend == "command") {
    NVSX_ASSIGN_OR_RETURN(std::unique_ptr<janitor::CommandBackend> backend,
                          janitor::CommandBackend::Create(settings.command));
    return backend;
  }
  return std::make_unique<janitor::NoneBackend>();
}

int Run(const JanitorFlags& flags, const core::Environment& env) {
  core::SystemClock clock;
  auto logger = MakeStderrLogger(flags.log_level, env, &clock);
  if (!logger.ok()) return ReportError(kProgram, logger.status());
  auto settings = Settings(flags, env);
  if (!settings.ok()) return ReportError(kProgram, settings.status());
  auto metrics_listen = ParseAddressFlag("--metrics-listen", flags.metrics_listen);
  if (!metrics_listen.ok()) return ReportError(kProgram, metrics_listen.status());

  kube::RestClientOptions client_options;
  client_options.user_agent = std::string("nvsentinel-janitor/") + kVersion;
  auto client = ConnectWithFlags(flags.kube, env, &clock, std::move(client_options));
  if (!client.ok()) return ReportError(kProgram, client.status());
  auto backend = MakeBackend(flags, *settings, client->get(), &clock, *logger);
  if (!backend.ok()) return ReportError(kProgram, backend.status());
  if (!(*backend)->acts()) {
    logger->Info(
        "backend none: RebootNode and GPUReset objects are left to NVSentinel's own janitor; "
        "this janitor changes nothing");
  }

  core::MetricsRegistry registry;
  auto metrics = janitor::JanitorMetrics::Create(&registry);
  if (!metrics.ok()) return ReportError(kProgram, metrics.status());
  kube::EventRecorderOptions recorder_options;
  recorder_options.clock = &clock;
  recorder_options.reporting_controller = std::string(janitor::kJanitorName);
  recorder_options.reporting_instance = settings->runner.election.identity;
  kube::EventRecorder recorder(client->get(), recorder_options,
                               logger->With({{"component", "events"}}));
  kube::LeaderRunner runner(
      client->get(), &clock, settings->runner,
      [&]() -> std::unique_ptr<kube::LeaderTask> {
        return std::make_unique<janitor::Janitor>(client->get(), &clock, backend->get(), &recorder,
                                                  metrics->get(), settings->janitor, *logger);
      },
      *logger);

  auto http = StartMetricsServer(*metrics_listen, &registry);
  if (!http.ok()) return ReportError(kProgram, http.status());
  SignalWatcher signals([&](int signal, int) {
    logger->Info("shutting down", {{"signal", signal}});
    runner.Stop();
  });
  logger->Info("janitor running",
               {{"api_server", (*client)->config().server},
                {"backend", flags.backend},
                {"identity", settings->runner.election.identity},
                {"leader_elect", flags.leader_elect},
                {"reboot_timeout", core::DurationString(settings->janitor.reboot_timeout)},
                {"metrics", *http ? (*http)->address() : std::string("-")}});
  const absl::Status status = runner.Run();
  if (*http) (*http)->Stop();
  recorder.Stop();
  if (!status.ok()) return ReportError(kProgram, status);
  return kExitOk;
}

}  // namespace

std::function<int()> AddJanitorCommand(CLI::App& app, const core::Environment& env) {
  auto flags = std::make_shared<JanitorFlags>();
  CLI::App* command = app.add_subcommand(
      "janitor",
      "Carry out RebootNode and GPUReset objects (janitor.dgxc.nvidia.com) and mark their outcome");
  AddKubeClientFlags(command, &flags->kube);
  command
      ->add_option("--backend", flags->backend,
                   "sim: the embedded cluster reboots nodes and resets GPUs; command: run "
                   "--reboot-command / --reset-command; none: leave the objects to NVSentinel's "
                   "own janitor")
      ->required()
      ->check(OneOf({"sim", "command", "none"}));
  command
      ->add_option("--reboot-timeout", flags->reboot_timeout,
                   "A rebooted node must be Ready again within this long, or the RebootNode fails")
      ->capture_default_str();
  command
      ->add_option("--reset-timeout", flags->reset_timeout,
                   "A GPUReset whose janitor stopped mid-reset fails this long after its start")
      ->capture_default_str();
  command
      ->add_option("--sim-reboot-downtime", flags->sim_reboot_downtime,
                   "--backend sim: how long a rebooted node stays down (at least 1s)")
      ->capture_default_str();
  command->add_option("--reboot-command", flags->reboot_command,
                      "--backend command: program run as PATH NODE to reboot a node, PATH NODE "
                      "--force for a RebootNode with spec.force (exit 0: reboot requested)");
  command->add_option("--reset-command", flags->reset_command,
                      "--backend command: program run as PATH NODE [GPU_UUID...] to reset GPUs "
                      "(no UUIDs: every GPU; exit 0: reset done)");
  command
      ->add_option("--command-timeout", flags->command_timeout,
                   "--backend command: a command running longer is killed and the request fails")
      ->capture_default_str();
  command->add_option("--workers", flags->workers, "Requests carried out at once")
      ->check(WholeNumberAtLeast(1))
      ->capture_default_str();
  command
      ->add_flag("--leader-elect,!--no-leader-elect", flags->leader_elect,
                 "Run only while holding Lease nvsentinel/nvsentinel-janitor")
      ->capture_default_str();
  command->add_option("--identity", flags->identity,
                      "This replica's name in the Lease (default: $POD_NAME, hostname-pid)");
  command->add_option("--metrics-listen", flags->metrics_listen,
                      "HOST:PORT for /metrics (default: none)");
  command->add_option("--log-level", flags->log_level, "debug, info, warn or error");
  return [command, flags, &env]() -> int { return *command ? Run(*flags, env) : -1; };
}

}  // namespace nvsx::cmd
