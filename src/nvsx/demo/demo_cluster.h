#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/child_process.h"
#include "core/clock.h"
#include "core/environment.h"
#include "core/logger.h"
#include "kube/rest_client.h"

namespace nvsx::op {

struct DemoClusterOptions {
  std::filesystem::path nvsentinel;  // the multi-call binary
  // Kubeconfig and one log per program go here (created when missing).
  std::filesystem::path work_dir;
  core::Environment env;  // the programs' environment
  int nodes = 4;
  int gpus_per_node = 8;
  int workload_pods = 8;
  // How long each workload pod takes to stop: the drain waits for it.
  int workload_grace_seconds = 1;
  // How long a simulated reboot keeps a node down.
  absl::Duration reboot_downtime = absl::Seconds(1);
  // Each program gets this long to come up.
  absl::Duration ready_timeout = absl::Seconds(60);
  // Polled while waiting: true ends Start with Cancelled (Ctrl-C).
  std::function<bool()> cancelled = [] { return false; };
};

// A /metrics endpoint of one of the demo's programs.
struct MetricsTarget {
  std::string program;  // "controller"
  std::string address;  // "127.0.0.1:PORT"
  std::string node;     // a node agent's node; empty for the cluster-wide programs
};

// The demo's cluster: the embedded API server with its simulated GPU nodes
// (`nvsentinel sim --node-agents external`), each node's agents (device API,
// health provider with simulated GPUs, publisher), the controller and the
// janitor, each a real process with its own log in work_dir, started in
// dependency order and each waited for until it does its job (the API
// answers and every node is Ready; each device API has its provider's GPUs;
// the controller and the janitor hold their Leases). Stop, or the
// destructor, ends every process it started.
class DemoCluster {
 public:
  explicit DemoCluster(DemoClusterOptions options, core::Logger logger);
  ~DemoCluster();  // Stop()
  DemoCluster(const DemoCluster&) = delete;
  DemoCluster& operator=(const DemoCluster&) = delete;

  // A program that fails to start or to become ready is named in the error,
  // with the tail of its log.
  absl::Status Start();
  // Stops the programs in reverse order (SIGTERM, then SIGKILL). Idempotent.
  void Stop();
  // SIGKILL to every program at once, for when nvsx itself must exit now.
  void Kill();

  // FailedPrecondition naming the first program that has exited.
  absl::Status CheckRunning();

  const std::filesystem::path& kubeconfig() const { return kubeconfig_; }
  const std::vector<MetricsTarget>& metrics_targets() const { return metrics_; }
  // The metrics targets as a Prometheus file_sd file (written by Start), so
  // a Prometheus started beside the demo finds every program.
  std::filesystem::path prometheus_targets() const {
    return options_.work_dir / "prometheus-targets.json";
  }
  // Every API request, per program (the sim's --audit-log).
  std::filesystem::path audit_log() const { return options_.work_dir / "audit.jsonl"; }
  // The programs' logs, by program name.
  std::vector<std::pair<std::string, std::filesystem::path>> logs() const;
  // A client for the cluster (valid after Start).
  kube::RestClient& client() { return *client_; }
  // The node running the most workload pods (not DaemonSet pods): where a
  // fault hurts most, and the drain has most to do.
  absl::StatusOr<std::string> BusiestNode();
  // `nvsentinel sim inject ARGS...` against this cluster; its output on failure.
  absl::Status Inject(const std::vector<std::string>& args);

 private:
  struct Program {
    std::string name;
    std::filesystem::path log;
    std::unique_ptr<core::ChildProcess> process;
  };

  absl::Status Launch(const std::string& name, std::vector<std::string> args);
  absl::Status StartSim();
  absl::Status WaitForNodes();
  // Starts each node's device API, health provider and publisher and waits
  // until every device API has its provider's GPUs.
  absl::Status StartNodeAgents();
  absl::Status WaitForLease(const std::string& program, const std::string& lease);
  // Polls `ready` until it returns OK, the deadline passes, or a program exits.
  absl::Status WaitUntil(const std::string& what, const std::function<absl::Status()>& ready);
  absl::Status WritePrometheusTargets() const;
  absl::Status WithLogTail(const std::string& program, absl::Status status) const;

  const DemoClusterOptions options_;
  core::Logger logger_;
  core::SystemClock clock_;
  std::filesystem::path kubeconfig_;
  // The device APIs' Unix sockets: a short path under /tmp (sun_path holds
  // 108 bytes), removed by Stop.
  std::filesystem::path socket_dir_;
  std::vector<Program> programs_;
  std::vector<MetricsTarget> metrics_;
  std::unique_ptr<kube::RestClient> client_;
};

}  // namespace nvsx::op
