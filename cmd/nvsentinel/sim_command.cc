#include "nvsentinel/sim_command.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/program.h"
#include "core/file_io.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/rest_client.h"
#include "sim/api_server.h"
#include "sim/kubeconfig_text.h"
#include "sim/sim_cluster.h"

namespace nvsx::cmd {
namespace {

constexpr char kProgram[] = "nvsentinel sim";

struct SimFlags {
  std::string listen = "127.0.0.1:0";
  std::string kubeconfig = ".nvsx/sim.kubeconfig";
  int nodes = 4;
  int gpus_per_node = 8;
  std::optional<std::string> log_level;
};

absl::Status WriteKubeconfig(const std::filesystem::path& path, const std::string& url) {
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    return absl::FailedPreconditionError(core::StrCat(
        "--kubeconfig ", path.string(), ": cannot create its folder: ", error.message()));
  }
  return core::WriteFileAtomically(path, sim::SimKubeconfig(url));
}

int Run(const SimFlags& flags, const core::Environment& env) {
  core::SystemClock clock;
  auto logger = MakeStderrLogger(flags.log_level, env, &clock);
  if (!logger.ok()) return ReportError(kProgram, logger.status());
  auto listen = ParseAddressFlag("--listen", flags.listen);
  if (!listen.ok()) return ReportError(kProgram, listen.status());
  if (!listen->has_value() || !core::IsLoopbackHost((*listen)->host)) {
    return ReportError(kProgram, absl::InvalidArgumentError(
                                     "--listen: the embedded cluster has no authentication and "
                                     "serves only on loopback, e.g. 127.0.0.1:6443"));
  }
  sim::ApiServerOptions options;
  options.listen = **listen;
  sim::ApiServer server(&clock, options);
  if (absl::Status started = server.Start(); !started.ok()) return ReportError(kProgram, started);

  const std::filesystem::path kubeconfig = std::filesystem::absolute(flags.kubeconfig);
  if (absl::Status written = WriteKubeconfig(kubeconfig, server.url()); !written.ok()) {
    return ReportError(kProgram, written);
  }
  kube::RestConfig config;
  config.server = server.url();
  kube::RestClientOptions client_options;
  client_options.clock = &clock;
  client_options.qps = 0;  // in-process seeding: no need to pace
  auto client = kube::RestClient::New(config, client_options);
  if (!client.ok()) return ReportError(kProgram, client.status());
  sim::SimClusterOptions cluster;
  cluster.nodes = flags.nodes;
  cluster.gpus_per_node = flags.gpus_per_node;
  if (absl::Status seeded = sim::SeedSimCluster(**client, cluster, clock.Now()); !seeded.ok()) {
    return ReportError(kProgram, seeded);
  }
  std::printf(
      "nvsentinel sim: serving %s with %d GPU nodes (%d GPUs each)\n"
      "  export KUBECONFIG=%s\n"
      "  kubectl get nodes\n",
      server.url().c_str(), flags.nodes, flags.gpus_per_node, kubeconfig.c_str());
  std::fflush(stdout);
  logger->Info("embedded cluster serving", {{"url", server.url()}, {"nodes", flags.nodes}});
  const int signal = WaitForTerminationSignal();
  logger->Info("shutting down", {{"signal", signal}});
  server.Stop();
  return kExitOk;
}

}  // namespace

std::function<int()> AddSimCommand(CLI::App& app, const core::Environment& env) {
  auto flags = std::make_shared<SimFlags>();
  CLI::App* command = app.add_subcommand(
      "sim", "Run an embedded Kubernetes API server with simulated GPU nodes (for kubectl)");
  command->add_option("--listen", flags->listen, "HOST:PORT on loopback; port 0 picks one")
      ->capture_default_str();
  command->add_option("--kubeconfig", flags->kubeconfig, "Where to write the kubeconfig")
      ->capture_default_str();
  command->add_option("--nodes", flags->nodes, "Simulated GPU nodes")
      ->check(CLI::Range(1, 5000))
      ->capture_default_str();
  command->add_option("--gpus-per-node", flags->gpus_per_node, "GPUs on each node")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  command->add_option("--log-level", flags->log_level, "debug, info, warn or error");
  return [command, flags, &env]() -> int { return *command ? Run(*flags, env) : -1; };
}

}  // namespace nvsx::cmd
