#include "nvsentinel/health_provider_command.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/flag_checks.h"
#include "common/kube_flags.h"
#include "common/program.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "health/xid_catalog.h"
#include "nvml/nvml_backend.h"
#include "nvml/sim_gpu_backend.h"
#include "nvsx_version.h"
#include "provider/health_provider.h"
#include "sim_nodes/node_agent_gpus.h"

namespace nvsx::cmd {
namespace {

struct HealthProviderFlags {
  std::string device_api = "unix:/var/run/device-api/device.sock";
  std::string backend = "nvml";
  std::string nvml_library = "libnvidia-ml.so.1";
  std::string node;
  int sim_gpus = 8;
  std::string sample_interval = "5s";
  std::string heartbeat_interval = "10s";
  bool sim_fault_requests = false;
  KubeClientFlags kube;
  std::string metrics_listen;
  std::optional<std::string> log_level;
};

absl::StatusOr<std::unique_ptr<nvml::GpuBackend>> MakeNvmlBackend(const HealthProviderFlags& flags,
                                                                  const core::Clock* clock) {
  nvml::NvmlBackendOptions options;
  options.library_path = flags.nvml_library;
  options.clock = clock;
  auto backend = nvml::NvmlBackend::Create(options);
  if (!backend.ok()) return backend.status();
  return std::unique_ptr<nvml::GpuBackend>(std::move(*backend));
}

absl::StatusOr<provider::HealthProviderOptions> BuildOptions(const HealthProviderFlags& flags,
                                                             const std::string& node) {
  provider::HealthProviderOptions options;
  options.provider_id = core::StrCat("health-provider/", node);
  NVSX_ASSIGN_OR_RETURN(options.sample_interval,
                        ParseDurationFlag("--sample-interval", flags.sample_interval));
  NVSX_ASSIGN_OR_RETURN(options.heartbeat_interval,
                        ParseDurationFlag("--heartbeat-interval", flags.heartbeat_interval));
  return options;
}

int Run(const HealthProviderFlags& flags, const core::Environment& env) {
  constexpr char kProgram[] = "nvsentinel health-provider";
  core::SystemClock clock;
  auto logger = MakeStderrLogger(flags.log_level, env, &clock);
  if (!logger.ok()) return ReportError(kProgram, logger.status());
  const std::string node = NodeName(flags.node, env);
  auto options = BuildOptions(flags, node);
  if (!options.ok()) return ReportError(kProgram, options.status());
  if (flags.sim_fault_requests && flags.backend != "sim") {
    return ReportError(kProgram, absl::InvalidArgumentError(
                                     "--sim-fault-requests: only with --backend sim (a real GPU "
                                     "takes no injected faults)"));
  }
  std::unique_ptr<nvml::GpuBackend> backend;
  nvml::SimGpuBackend* sim_gpus = nullptr;
  if (flags.backend == "sim") {
    nvml::SimGpuBackendOptions sim_options;
    sim_options.node_name = node;
    sim_options.gpu_count = flags.sim_gpus;
    sim_options.clock = &clock;
    auto sim = std::make_unique<nvml::SimGpuBackend>(sim_options);
    sim_gpus = sim.get();
    backend = std::move(sim);
  } else {
    auto nvml = MakeNvmlBackend(flags, &clock);
    if (!nvml.ok()) return ReportError(kProgram, nvml.status());
    backend = *std::move(nvml);
  }
  // Simulated GPUs that take `nvsentinel sim inject` requests from the cluster.
  std::unique_ptr<kube::RestClient> client;
  std::unique_ptr<sim_nodes::NodeAgentGpus> fault_requests;
  if (flags.sim_fault_requests) {
    kube::RestClientOptions client_options;
    client_options.user_agent = std::string("nvsentinel-health-provider/") + kVersion;
    auto connected = ConnectWithFlags(flags.kube, env, &clock, std::move(client_options));
    if (!connected.ok()) return ReportError(kProgram, connected.status());
    client = *std::move(connected);
    fault_requests = std::make_unique<sim_nodes::NodeAgentGpus>(
        client.get(), &clock, sim_gpus, node, flags.sim_gpus, logger->With({{"node", node}}));
    fault_requests->Start();
  }
  auto metrics_listen = ParseAddressFlag("--metrics-listen", flags.metrics_listen);
  if (!metrics_listen.ok()) return ReportError(kProgram, metrics_listen.status());
  core::MetricsRegistry registry;
  auto metrics = provider::ProviderMetrics::Create(&registry);
  if (!metrics.ok()) return ReportError(kProgram, metrics.status());
  options->metrics = metrics->get();
  auto http = StartMetricsServer(*metrics_listen, &registry);
  if (!http.ok()) return ReportError(kProgram, http.status());

  auto channel = grpc::CreateChannel(flags.device_api, grpc::InsecureChannelCredentials());
  auto stub = nvidia::device::v1alpha1::GpuService::NewStub(channel);
  const health::XidCatalog catalog = health::XidCatalog::Default();
  provider::HealthProvider health_provider(backend.get(), stub.get(), &catalog, &clock,
                                           logger->With({{"node", node}}), *options);
  std::atomic<bool> stop{false};
  std::thread loop([&] { health_provider.Run(stop); });
  logger->Info("health provider running",
               {{"backend", flags.backend}, {"device_api", flags.device_api}, {"node", node}});
  int signal = WaitForTerminationSignal();
  logger->Info("shutting down", {{"signal", signal}});
  stop.store(true);
  loop.join();
  if (fault_requests) fault_requests->Stop();
  return kExitOk;
}

}  // namespace

std::function<int()> AddHealthProviderCommand(CLI::App& app, const core::Environment& env) {
  auto flags = std::make_shared<HealthProviderFlags>();
  CLI::App* command = app.add_subcommand(
      "health-provider", "Read GPU health (NVML or simulated) and report it to the device API");
  command
      ->add_option("--device-api", flags->device_api, "Device API address: unix:PATH or HOST:PORT")
      ->capture_default_str();
  command->add_option("--backend", flags->backend, "Where GPU health comes from")
      ->check(OneOf({"nvml", "sim"}))
      ->capture_default_str();
  command->add_option("--nvml-library", flags->nvml_library, "The NVML library to dlopen")
      ->capture_default_str();
  command->add_option("--node", flags->node, "This node's name (default: $NODE_NAME, hostname)");
  command->add_option("--sim-gpus", flags->sim_gpus, "GPUs of the sim backend")
      ->check(WholeNumber(1, 1024))
      ->capture_default_str();
  command
      ->add_flag("--sim-fault-requests", flags->sim_fault_requests,
                 "With --backend sim: serve `nvsentinel sim inject` requests for this node's "
                 "GPUs from the cluster (--kubeconfig), and reset them when the node reboots; "
                 "for a sim started with --node-agents external")
      ->capture_default_str();
  AddKubeClientFlags(command, &flags->kube, /*rate_limits=*/false);
  command->add_option("--sample-interval", flags->sample_interval, "How often every GPU is read")
      ->capture_default_str();
  command
      ->add_option("--heartbeat-interval", flags->heartbeat_interval,
                   "How often the provider tells the device API it is alive")
      ->capture_default_str();
  command->add_option("--metrics-listen", flags->metrics_listen,
                      "HOST:PORT for /metrics (default: none)");
  command->add_option("--log-level", flags->log_level, "debug, info, warn or error");
  return [command, flags, &env]() -> int { return *command ? Run(*flags, env) : -1; };
}

}  // namespace nvsx::cmd
