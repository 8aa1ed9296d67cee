#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "health/xid_catalog.h"
#include "sim_nodes/fault_injector.h"
#include "sim_nodes/fault_request.h"
#include "sim_nodes/node_pipeline.h"

namespace nvsx::sim_nodes {

struct SimNodesOptions {
  std::vector<std::string> node_names;
  int gpus_per_node = 8;
  kube::RestConfig api_server;
  // Where the nodes' device API sockets go; empty: a fresh folder under
  // $TMPDIR, removed on Stop (Unix socket paths must stay short).
  std::filesystem::path socket_dir;
  // Nodes whose pipelines Start() runs at once; each costs a few threads, so
  // in a large simulated cluster the others start on their first fault (a
  // node without faults publishes nothing, so nothing is missed).
  size_t eager_nodes = 32;
  // Template for every node; node name and socket are filled in.
  NodePipelineOptions pipeline;
  // Serve `nvsentinel sim inject`: watch the API server for fault requests.
  bool serve_fault_requests = true;
  // The node agents (device API, health provider, publisher) run as programs
  // of their own: no pipeline starts here, and fault requests for the GPUs
  // are theirs (`nvsentinel health-provider --backend sim
  // --sim-fault-requests`). Reboots are still served here, by the kubelet;
  // the node's provider heals its GPUs when it sees the new boot ID.
  bool external_agents = false;
  // Takes a node down for `downtime` and brings it back (the simulated
  // kubelet's RebootNode); reboot requests fail without it.
  std::function<absl::Status(const std::string& node, absl::Duration downtime)> reboot_node;
};

// The node-side pipelines of the simulated cluster's GPU nodes, and the
// place faults are injected into their GPUs. Thread-safe.
class SimNodes final : public FaultTarget {
 public:
  // `clock` must outlive it.
  SimNodes(core::WaitableClock* clock, core::Logger logger, SimNodesOptions options);
  ~SimNodes() override;
  SimNodes(const SimNodes&) = delete;
  SimNodes& operator=(const SimNodes&) = delete;

  // Starts the eager nodes' pipelines and the fault injector.
  absl::Status Start();
  void Stop();

  // Every request, or with external agents only reboots.
  bool Serves(const FaultRequest& request) const override;
  bool AnswersMalformed() const override { return true; }
  // Applies `request` to its node's simulated GPUs, starting the node's
  // pipeline first if it is not running. A reboot goes to `reboot_node` and
  // then heals every GPU of the node; a GPU reset heals the GPUs it names.
  // kNotFound for an unknown node or GPU.
  absl::Status Apply(const FaultRequest& request) override;

  // The running pipeline of `node`, or nullptr.
  NodePipeline* Find(const std::string& node);

 private:
  absl::StatusOr<NodePipeline*> Pipeline(const std::string& node);  // mu_ held
  // kNotFound unless `node` is one of node_names.
  absl::Status CheckKnown(const std::string& node) const;
  absl::Status Reboot(const std::string& node, absl::Duration downtime);
  // Resets `gpus` (indexes or UUIDs; empty: every GPU) of `node`: healed, and
  // the health provider sees the reset (SimGpuBackend::Reset).
  absl::Status Heal(const std::string& node, const std::vector<std::string>& gpus);

  core::WaitableClock* clock_;
  core::Logger logger_;
  SimNodesOptions options_;
  const health::XidCatalog catalog_ = health::XidCatalog::Default();
  std::filesystem::path own_socket_dir_;  // made by Start, removed by Stop
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<NodePipeline>> pipelines_;
  std::unique_ptr<kube::RestClient> injector_client_;
  std::unique_ptr<FaultInjector> injector_;
};

}  // namespace nvsx::sim_nodes
