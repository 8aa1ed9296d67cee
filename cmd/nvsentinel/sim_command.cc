#include "nvsentinel/sim_command.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "common/flag_checks.h"
#include "common/program.h"
#include "core/file_io.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/rest_client.h"
#include "nvsentinel/sim_inject_command.h"
#include "sim/api_server.h"
#include "sim/kubeconfig_text.h"
#include "sim/kubelet.h"
#include "sim/self_signed_tls.h"
#include "sim/sim_cluster.h"
#include "sim/workload.h"
#include "sim_nodes/sim_nodes.h"

namespace nvsx::cmd {
namespace {

constexpr char kProgram[] = "nvsentinel sim";

struct SimFlags {
  std::string listen = "127.0.0.1:0";
  std::string kubeconfig = ".nvsx/sim.kubeconfig";
  int nodes = 4;
  int gpus_per_node = 8;
  int workload_pods = 8;
  int workload_grace_seconds = 5;
  int max_connections = 64;
  std::string node_agents = "in-process";
  std::string token;
  bool plain_http = false;
  std::string state;
  std::string audit_log;
  std::optional<std::string> log_level;
};

// 128 random bits as hex: the bearer token when --token gives none.
std::string RandomToken() {
  std::random_device random;
  std::string token;
  for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", random());
  return token;
}

absl::Status WriteKubeconfig(const std::filesystem::path& path, const std::string& url,
                             const sim::SimKubeconfigAuth& auth) {
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    return absl::FailedPreconditionError(core::StrCat(
        "--kubeconfig ", path.string(), ": cannot create its folder: ", error.message()));
  }
  return core::WriteFileAtomically(path, sim::SimKubeconfig(url, "nvsx-sim", auth));
}

int Run(const SimFlags& flags, const core::Environment& env) {
  core::SystemClock clock;
  auto logger = MakeStderrLogger(flags.log_level, env, &clock);
  if (!logger.ok()) return ReportError(kProgram, logger.status());
  auto listen = ParseAddressFlag("--listen", flags.listen);
  if (!listen.ok()) return ReportError(kProgram, listen.status());
  if (!listen->has_value() || !core::IsLoopbackHost((*listen)->host)) {
    return ReportError(kProgram, absl::InvalidArgumentError(
                                     "--listen: the embedded cluster is for one machine and "
                                     "serves only on loopback, e.g. 127.0.0.1:6443"));
  }
  sim::ApiServerOptions options;
  options.listen = **listen;
  options.worker_threads = static_cast<size_t>(flags.max_connections);
  if (!flags.state.empty()) options.state_file = std::filesystem::absolute(flags.state);
  if (!flags.audit_log.empty()) options.audit_log = std::filesystem::absolute(flags.audit_log);
  options.pod_grace_periods = true;  // the kubelet below finishes graceful deletions
  sim::SimKubeconfigAuth auth;
  if (!flags.plain_http) {
    // https with a CA made for this run, and a bearer token: kubectl sends
    // tokens only over TLS.
    auto tls = sim::MakeSelfSignedTls({options.listen.host, "localhost"}, clock.Now());
    if (!tls.ok()) return ReportError(kProgram, tls.status());
    options.tls_cert_pem = tls->server_cert_pem;
    options.tls_key_pem = tls->server_key_pem;
    options.bearer_token = flags.token.empty() ? RandomToken() : flags.token;
    auth = {options.bearer_token, tls->ca_pem};
  }
  sim::ApiServer server(&clock, options);
  if (absl::Status started = server.Start(); !started.ok()) return ReportError(kProgram, started);

  const std::filesystem::path kubeconfig = std::filesystem::absolute(flags.kubeconfig);
  if (absl::Status written = WriteKubeconfig(kubeconfig, server.url(), auth); !written.ok()) {
    return ReportError(kProgram, written);
  }
  kube::RestConfig config;
  config.server = server.url();
  config.bearer_token = auth.token;
  config.tls.ca_pem = auth.ca_pem;
  kube::RestClientOptions client_options;
  client_options.clock = &clock;
  client_options.qps = 0;  // in-process seeding: no need to pace
  client_options.user_agent = "nvsentinel-sim/seed";
  auto client = kube::RestClient::New(config, client_options);
  if (!client.ok()) return ReportError(kProgram, client.status());
  sim::SimClusterOptions cluster;
  cluster.nodes = flags.nodes;
  cluster.gpus_per_node = flags.gpus_per_node;
  if (absl::Status seeded = sim::SeedSimCluster(**client, cluster, clock.Now()); !seeded.ok()) {
    return ReportError(kProgram, seeded);
  }
  sim::SimKubeletOptions kubelet_options;
  for (int i = 0; i < flags.nodes; ++i)
    kubelet_options.nodes.push_back(sim::SimNodeName(cluster, i));
  kubelet_options.pod_logs = &server.pod_logs();  // `kubectl logs` shows what the pods print
  sim::SimKubelet kubelet(&clock, &server.store(), kubelet_options);
  if (absl::Status started = kubelet.Start(); !started.ok()) return ReportError(kProgram, started);
  sim::WorkloadOptions workload;
  workload.pods = flags.workload_pods;
  workload.termination_grace_seconds = flags.workload_grace_seconds;
  if (absl::Status seeded = sim::SeedWorkload(**client, cluster, workload); !seeded.ok()) {
    return ReportError(kProgram, core::Annotate(seeded, "--workload-pods"));
  }
  client->reset();  // its kept-alive connection would hold up the server's stop
  // Each GPU node's own programs (health provider, device API, publisher),
  // in this process unless they run on their own; `nvsentinel sim inject`
  // reaches them through the cluster either way.
  sim_nodes::SimNodesOptions node_options;
  node_options.external_agents = flags.node_agents == "external";
  node_options.node_names = kubelet_options.nodes;
  node_options.gpus_per_node = flags.gpus_per_node;
  node_options.api_server = config;
  node_options.reboot_node = [&kubelet](const std::string& node, absl::Duration downtime) {
    return kubelet.RebootNode(node, downtime);
  };
  sim_nodes::SimNodes gpu_nodes(&clock, logger->With({{"component", "sim-nodes"}}), node_options);
  if (absl::Status started = gpu_nodes.Start(); !started.ok()) {
    return ReportError(kProgram, started);
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
  gpu_nodes.Stop();
  kubelet.Stop();
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
      ->check(WholeNumber(1, 5000))
      ->capture_default_str();
  command->add_option("--gpus-per-node", flags->gpus_per_node, "GPUs on each node")
      ->check(WholeNumber(1, 64))
      ->capture_default_str();
  command
      ->add_option("--workload-pods", flags->workload_pods,
                   "GPU pods to run across the nodes (every other one under a "
                   "PodDisruptionBudget), besides a DaemonSet pod on each node")
      ->check(WholeNumber(0, 100000))
      ->capture_default_str();
  command
      ->add_option("--workload-grace-seconds", flags->workload_grace_seconds,
                   "terminationGracePeriodSeconds of the workload's pods: how long a drain "
                   "waits for each")
      ->check(WholeNumber(0, 3600))
      ->capture_default_str();
  command
      ->add_option("--max-connections", flags->max_connections,
                   "Connections served at once; each open watch and each idle keep-alive "
                   "connection holds one, and more wait until one closes")
      ->check(WholeNumber(8, 10000))
      ->capture_default_str();
  command
      ->add_option("--node-agents", flags->node_agents,
                   "Where each GPU node's device API, health provider and publisher run: "
                   "in-process, or external (started by you: `nvsentinel health-provider "
                   "--backend sim --sim-fault-requests` serves the node's faults)")
      ->check(OneOf({"in-process", "external"}))
      ->capture_default_str();
  command->add_option("--audit-log", flags->audit_log,
                      "Append one JSON line per API request (client, verb, resource) to FILE");
  command->add_option("--state", flags->state,
                      "SQLite file that keeps the cluster's objects across restarts "
                      "(default: in memory only)");
  CLI::Option* token =
      command->add_option("--token", flags->token,
                          "Bearer token clients must send (written into the kubeconfig, with the "
                          "CA of the https server); default: a random one");
  command
      ->add_flag("--plain-http", flags->plain_http,
                 "Serve plain http with no authentication instead of https with a token")
      ->excludes(token);
  command->add_option("--log-level", flags->log_level, "debug, info, warn or error");
  std::function<int()> inject = AddSimInjectCommand(*command, env);
  return [command, flags, inject, &env]() -> int {
    if (int rc = inject(); rc >= 0) return rc;
    return *command ? Run(*flags, env) : -1;
  };
}

}  // namespace nvsx::cmd
