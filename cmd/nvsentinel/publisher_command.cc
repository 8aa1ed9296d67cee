#include "nvsentinel/publisher_command.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>

#include "common/kube_flags.h"
#include "common/program.h"
#include "health/xid_catalog.h"
#include "nvsx_version.h"
#include "publisher/publisher.h"

namespace nvsx::cmd {
namespace {

constexpr char kProgram[] = "nvsentinel publisher";

struct PublisherFlags {
  std::string device_api = "unix:/var/run/device-api/device.sock";
  std::string node;
  KubeClientFlags kube;
  std::string agent = "health-provider";
  std::string metrics_listen;
  std::optional<std::string> log_level;
};

int Run(const PublisherFlags& flags, const core::Environment& env) {
  core::SystemClock clock;
  auto logger = MakeStderrLogger(flags.log_level, env, &clock);
  if (!logger.ok()) return ReportError(kProgram, logger.status());
  const std::string node = NodeName(flags.node, env);
  if (node.empty()) {
    return ReportError(
        kProgram, absl::InvalidArgumentError("--node: no node name; pass --node or set NODE_NAME"));
  }
  auto metrics_listen = ParseAddressFlag("--metrics-listen", flags.metrics_listen);
  if (!metrics_listen.ok()) return ReportError(kProgram, metrics_listen.status());
  core::MetricsRegistry registry;
  auto metrics = publisher::PublisherMetrics::Create(&registry);
  if (!metrics.ok()) return ReportError(kProgram, metrics.status());
  kube::RestClientOptions client_options;
  client_options.user_agent = std::string("nvsentinel-publisher/") + kVersion;
  // The publisher retries failed writes itself, with the GPU's latest state.
  client_options.max_retries = 2;
  auto client = ConnectWithFlags(flags.kube, env, &clock, std::move(client_options));
  if (!client.ok()) return ReportError(kProgram, client.status());

  auto channel = grpc::CreateChannel(flags.device_api, grpc::InsecureChannelCredentials());
  auto stub = nvidia::device::v1alpha1::GpuService::NewStub(channel);
  const health::XidCatalog catalog = health::XidCatalog::Default();
  publisher::PublisherOptions options;
  options.source.node_name = node;
  options.source.agent = flags.agent;
  options.metrics = metrics->get();
  publisher::Publisher health_publisher(stub.get(), client->get(), &catalog, &clock,
                                        logger->With({{"node", node}}), options);
  auto http = StartMetricsServer(*metrics_listen, &registry);
  if (!http.ok()) return ReportError(kProgram, http.status());
  health_publisher.Start();
  logger->Info("publisher running", {{"device_api", flags.device_api},
                                     {"node", node},
                                     {"api_server", (*client)->config().server}});
  const int signal = WaitForTerminationSignal();
  logger->Info("shutting down", {{"signal", signal}});
  health_publisher.Stop();
  return kExitOk;
}

}  // namespace

std::function<int()> AddPublisherCommand(CLI::App& app, const core::Environment& env) {
  auto flags = std::make_shared<PublisherFlags>();
  CLI::App* command = app.add_subcommand(
      "publisher", "Turn GPUs the device API reports unhealthy into HealthEvent objects");
  command
      ->add_option("--device-api", flags->device_api, "Device API address: unix:PATH or HOST:PORT")
      ->capture_default_str();
  command->add_option("--node", flags->node, "This node's name (default: $NODE_NAME, hostname)");
  AddKubeClientFlags(command, &flags->kube);
  command->add_option("--agent", flags->agent, "spec.agent of the events written")
      ->capture_default_str();
  command->add_option("--metrics-listen", flags->metrics_listen,
                      "HOST:PORT for /metrics (default: none)");
  command->add_option("--log-level", flags->log_level, "debug, info, warn or error");
  return [command, flags, &env]() -> int { return *command ? Run(*flags, env) : -1; };
}

}  // namespace nvsx::cmd
