#include "nvsentinel/controller_command.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/flag_checks.h"
#include "common/kube_flags.h"
#include "common/program.h"
#include "controller/controller_manager.h"
#include "controller/controller_metrics.h"
#include "controller/names.h"
#include "core/http_server.h"
#include "core/metrics.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"
#include "nvsx_version.h"

namespace nvsx::cmd {
namespace {

constexpr char kProgram[] = "nvsentinel controller";

struct ControllerFlags {
  KubeClientFlags kube;
  bool dry_run = false;
  int workers = 4;
  double breaker_max_share = 0.5;
  int breaker_max_nodes = 0;
  std::string breaker_window = "5m";
  bool breaker_disabled = false;
  std::string taint_key = "nvidia.com/gpu-error";
  std::string taint_effect = "NoSchedule";
  std::vector<std::string> check_taints;  // CHECK=KEY:EFFECT
  std::string drain_timeout = "30m";
  std::vector<std::string> drain_policies;  // NAMESPACE=MODE[:DURATION]
  bool full_drain = false;
  int escalation_max_faults = 5;
  std::string escalation_window = "24h";
  std::string ttl_configmap = "nvsentinel/nvsentinel-ttl";
  bool leader_elect = true;
  std::string identity;
  std::string metrics_listen;
  std::optional<std::string> log_level;
};

absl::StatusOr<controller::TaintRule> ParseTaintRule(const char* flag, const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return absl::InvalidArgumentError(core::StrCat(
        flag, ": \"", text, "\" is not KEY:EFFECT (e.g. nvidia.com/gpu-error:NoSchedule)"));
  }
  controller::TaintRule rule{text.substr(0, colon), text.substr(colon + 1)};
  if (rule.effect != "NoSchedule" && rule.effect != "PreferNoSchedule" &&
      rule.effect != "NoExecute") {
    return absl::InvalidArgumentError(core::StrCat(
        flag, ": effect \"", rule.effect, "\" is not NoSchedule, PreferNoSchedule or NoExecute"));
  }
  return rule;
}

// NAMESPACE=MODE[:DURATION]; NAMESPACE "*" matches every namespace.
absl::StatusOr<controller::DrainRule> ParseDrainPolicy(const std::string& text) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    return absl::InvalidArgumentError(
        core::StrCat("--drain-policy: \"", text,
                     "\" is not NAMESPACE=MODE[:DURATION] (e.g. training=AllowCompletion, "
                     "batch=DeleteAfterTimeout:60m)"));
  }
  controller::DrainRule rule;
  const std::string ns = text.substr(0, equals);
  if (ns != "*") rule.namespace_name = ns;
  std::string mode = text.substr(equals + 1);
  const size_t colon = mode.find(':');
  if (colon != std::string::npos) {
    NVSX_ASSIGN_OR_RETURN(rule.delete_after,
                          ParseDurationFlag("--drain-policy", mode.substr(colon + 1)));
    mode = mode.substr(0, colon);
  }
  std::optional<controller::DrainMode> parsed = controller::ParseDrainMode(mode);
  if (!parsed) {
    return absl::InvalidArgumentError(
        core::StrCat("--drain-policy: mode \"", mode,
                     "\" is not Immediate, AllowCompletion or DeleteAfterTimeout"));
  }
  rule.mode = *parsed;
  return rule;
}

absl::StatusOr<controller::ControllerManagerOptions> Options(const ControllerFlags& flags,
                                                             const core::Environment& env) {
  controller::ControllerManagerOptions options;
  options.leader_elect = flags.leader_elect;
  options.election.identity = ReplicaIdentity(flags.identity, env);
  controller::HealthEventControllerOptions& chain = options.controller;
  chain.loop.workers = flags.workers;
  chain.quarantine.dry_run = flags.dry_run;
  NVSX_ASSIGN_OR_RETURN(
      chain.quarantine.default_taint,
      ParseTaintRule("--taint", core::StrCat(flags.taint_key, ":", flags.taint_effect)));
  for (const std::string& entry : flags.check_taints) {
    const size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      return absl::InvalidArgumentError(core::StrCat(
          "--check-taint: \"", entry,
          "\" is not CHECK=KEY:EFFECT (e.g. GpuThermalWatch=nvidia.com/gpu-hot:PreferNoSchedule)"));
    }
    NVSX_ASSIGN_OR_RETURN(chain.quarantine.taints_by_check[entry.substr(0, equals)],
                          ParseTaintRule("--check-taint", entry.substr(equals + 1)));
  }
  chain.breaker.enabled = !flags.breaker_disabled;
  if (flags.breaker_max_share <= 0 || flags.breaker_max_share > 1) {
    return absl::InvalidArgumentError("--breaker-max-share: must be in (0, 1], e.g. 0.5 for 50 %");
  }
  chain.breaker.max_share = flags.breaker_max_share;
  chain.breaker.max_nodes = flags.breaker_max_nodes;
  NVSX_ASSIGN_OR_RETURN(chain.breaker.window,
                        ParseDurationFlag("--breaker-window", flags.breaker_window));
  NVSX_ASSIGN_OR_RETURN(chain.drain.timeout,
                        ParseDurationFlag("--drain-timeout", flags.drain_timeout));
  for (const std::string& policy : flags.drain_policies) {
    NVSX_ASSIGN_OR_RETURN(controller::DrainRule rule, ParseDrainPolicy(policy));
    chain.drain.rules.push_back(std::move(rule));
  }
  chain.drain.partial_drain = !flags.full_drain;
  chain.escalation.max_faults = flags.escalation_max_faults;
  NVSX_ASSIGN_OR_RETURN(chain.escalation.window,
                        ParseDurationFlag("--escalation-window", flags.escalation_window));
  const size_t slash = flags.ttl_configmap.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == flags.ttl_configmap.size() ||
      flags.ttl_configmap.find('/', slash + 1) != std::string::npos) {
    return absl::InvalidArgumentError(
        core::StrCat("--ttl-configmap: \"", flags.ttl_configmap,
                     "\" is not NAMESPACE/NAME (e.g. nvsentinel/nvsentinel-ttl)"));
  }
  chain.informers.ttl_config_namespace = flags.ttl_configmap.substr(0, slash);
  chain.informers.ttl_config_name = flags.ttl_configmap.substr(slash + 1);
  return options;
}

int Run(const ControllerFlags& flags, const core::Environment& env) {
  core::SystemClock clock;
  auto logger = MakeStderrLogger(flags.log_level, env, &clock);
  if (!logger.ok()) return ReportError(kProgram, logger.status());
  auto options = Options(flags, env);
  if (!options.ok()) return ReportError(kProgram, options.status());
  auto metrics_listen = ParseAddressFlag("--metrics-listen", flags.metrics_listen);
  if (!metrics_listen.ok()) return ReportError(kProgram, metrics_listen.status());

  kube::RestClientOptions client_options;
  client_options.user_agent = std::string("nvsentinel-controller/") + kVersion;
  auto client = ConnectWithFlags(flags.kube, env, &clock, std::move(client_options));
  if (!client.ok()) return ReportError(kProgram, client.status());

  core::MetricsRegistry registry;
  auto metrics = controller::ControllerMetrics::Create(&registry);
  if (!metrics.ok()) return ReportError(kProgram, metrics.status());
  kube::EventRecorderOptions recorder_options;
  recorder_options.clock = &clock;
  recorder_options.reporting_controller = std::string(controller::kControllerName);
  recorder_options.reporting_instance = options->election.identity;
  kube::EventRecorder recorder(client->get(), recorder_options,
                               logger->With({{"component", "events"}}));
  controller::ControllerManager manager(client->get(), &clock, &recorder, metrics->get(), *options,
                                        *logger);

  auto http =
      StartMetricsServer(*metrics_listen, &registry, [&manager] { manager.RefreshMetrics(); });
  if (!http.ok()) return ReportError(kProgram, http.status());
  SignalWatcher signals([&](int signal, int) {
    logger->Info("shutting down", {{"signal", signal}});
    manager.Stop();
  });
  logger->Info("controller running", {{"api_server", (*client)->config().server},
                                      {"identity", options->election.identity},
                                      {"leader_elect", flags.leader_elect},
                                      {"dry_run", flags.dry_run},
                                      {"metrics", *http ? (*http)->address() : std::string("-")}});
  const absl::Status status = manager.Run();
  if (*http) (*http)->Stop();
  recorder.Stop();
  if (!status.ok()) return ReportError(kProgram, status);
  return kExitOk;
}

}  // namespace

std::function<int()> AddControllerCommand(CLI::App& app, const core::Environment& env) {
  auto flags = std::make_shared<ControllerFlags>();
  CLI::App* command = app.add_subcommand(
      "controller",
      "Take HealthEvents from New to Resolved: quarantine, drain, remediate, recover, and delete "
      "finished ones by TTL (one active replica)");
  AddKubeClientFlags(command, &flags->kube);
  command->add_flag(
      "--dry-run", flags->dry_run,
      "Decide and record on the HealthEvent, but change no node, evict no pod, create no "
      "remediation object and delete no event");
  command->add_option("--workers", flags->workers, "Events reconciled at once")
      ->check(WholeNumberAtLeast(1))
      ->capture_default_str();
  command
      ->add_option("--breaker-max-share", flags->breaker_max_share,
                   "Circuit breaker: share of GPU nodes that may be quarantined within the window")
      ->capture_default_str();
  command
      ->add_option("--breaker-max-nodes", flags->breaker_max_nodes,
                   "Circuit breaker: absolute cap on nodes quarantined within the window (0: none)")
      ->check(WholeNumberAtLeast(0))
      ->capture_default_str();
  command->add_option("--breaker-window", flags->breaker_window, "Circuit breaker: sliding window")
      ->capture_default_str();
  command->add_flag("--breaker-disabled", flags->breaker_disabled,
                    "Never hold quarantines back (not recommended)");
  command->add_option("--taint-key", flags->taint_key, "Taint key quarantine applies")
      ->capture_default_str();
  command->add_option("--taint-effect", flags->taint_effect, "Taint effect quarantine applies")
      ->capture_default_str();
  command->add_option("--check-taint", flags->check_taints,
                      "Per-check taint, CHECK=KEY:EFFECT (repeatable)");
  command
      ->add_option("--drain-timeout", flags->drain_timeout,
                   "A pod still on the node this long after it was due to go fails the event")
      ->capture_default_str();
  command->add_option("--drain-policy", flags->drain_policies,
                      "NAMESPACE=Immediate|AllowCompletion|DeleteAfterTimeout[:DURATION] "
                      "(repeatable; * for every namespace; default Immediate)");
  command->add_flag("--full-drain", flags->full_drain,
                    "Drain every pod, even when the event names one GPU");
  command
      ->add_option("--escalation-max-faults", flags->escalation_max_faults,
                   "This many fatal events on one GPU within the window escalate to "
                   "CONTACT_SUPPORT (manual) instead of another reboot or reset (0: never)")
      ->check(WholeNumberAtLeast(0))
      ->capture_default_str();
  command
      ->add_option("--escalation-window", flags->escalation_window,
                   "The window repeat faults are counted in")
      ->capture_default_str();
  command
      ->add_option("--ttl-configmap", flags->ttl_configmap,
                   "NAMESPACE/NAME of the ConfigMap with the TTL policy for finished HealthEvents "
                   "(keys Resolved, Failed, Cancelled, check.<CheckName>[.<Phase>]; values 24h, "
                   "7d, never)")
      ->capture_default_str();
  command
      ->add_flag("--leader-elect,!--no-leader-elect", flags->leader_elect,
                 "Run only while holding Lease nvsentinel/nvsentinel-controller")
      ->capture_default_str();
  command->add_option("--identity", flags->identity,
                      "This replica's name in the Lease (default: $POD_NAME, hostname-pid)");
  command->add_option("--metrics-listen", flags->metrics_listen,
                      "HOST:PORT for /metrics, /healthz and /readyz (default: none)");
  command->add_option("--log-level", flags->log_level, "debug, info, warn or error");
  return [command, flags, &env]() -> int { return *command ? Run(*flags, env) : -1; };
}

}  // namespace nvsx::cmd
