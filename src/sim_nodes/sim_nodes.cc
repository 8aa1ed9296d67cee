#include "sim_nodes/sim_nodes.h"

#include <stdlib.h>

#include <algorithm>

#include "core/status_macros.h"
#include "core/str_cat.h"
#include "sim_nodes/fault_injector.h"

namespace nvsx::sim_nodes {

SimNodes::SimNodes(core::WaitableClock* clock, core::Logger logger, SimNodesOptions options)
    : clock_(clock), logger_(std::move(logger)), options_(std::move(options)) {}

SimNodes::~SimNodes() { Stop(); }

absl::Status SimNodes::Start() {
  if (options_.socket_dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "nvsx-sim-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return absl::FailedPreconditionError(
          core::StrCat("cannot create a folder for the device API sockets under ",
                       std::filesystem::temp_directory_path().string(), "; set TMPDIR"));
    }
    own_socket_dir_ = pattern;
    options_.socket_dir = pattern;
  }
  if (!options_.external_agents) {
    std::lock_guard lock(mu_);
    const size_t eager = std::min(options_.eager_nodes, options_.node_names.size());
    for (size_t i = 0; i < eager; ++i) {
      absl::StatusOr<NodePipeline*> started = Pipeline(options_.node_names[i]);
      if (!started.ok()) return started.status();
    }
  }
  if (!options_.serve_fault_requests) return absl::OkStatus();
  kube::RestClientOptions client_options = options_.pipeline.client;
  client_options.user_agent = "nvsentinel-sim/fault-injector";
  client_options.clock = clock_;
  auto client = kube::RestClient::New(options_.api_server, client_options);
  if (!client.ok()) return client.status();
  injector_client_ = *std::move(client);
  injector_ = std::make_unique<FaultInjector>(injector_client_.get(), clock_, this,
                                              logger_.With({{"component", "fault-injector"}}));
  injector_->Start();
  return absl::OkStatus();
}

void SimNodes::Stop() {
  if (injector_) injector_->Stop();
  injector_.reset();
  injector_client_.reset();
  std::map<std::string, std::unique_ptr<NodePipeline>> stopping;
  {
    std::lock_guard lock(mu_);
    stopping.swap(pipelines_);
  }
  for (auto& [name, pipeline] : stopping) pipeline->Stop();
  stopping.clear();
  if (!own_socket_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(own_socket_dir_, ignored);
    own_socket_dir_.clear();
  }
}

absl::Status SimNodes::CheckKnown(const std::string& node) const {
  const auto& names = options_.node_names;
  if (std::find(names.begin(), names.end(), node) == names.end()) {
    return absl::NotFoundError(core::StrCat("no simulated GPU node \"", node, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<NodePipeline*> SimNodes::Pipeline(const std::string& node) {
  if (auto it = pipelines_.find(node); it != pipelines_.end()) return it->second.get();
  NVSX_RETURN_IF_ERROR(CheckKnown(node));
  const auto& names = options_.node_names;
  const auto known = std::find(names.begin(), names.end(), node);
  NodePipelineOptions pipeline = options_.pipeline;
  pipeline.node_name = node;
  pipeline.gpu_count = options_.gpus_per_node;
  pipeline.api_server = options_.api_server;
  pipeline.socket_path =
      (options_.socket_dir / core::StrCat("node-", known - names.begin(), ".sock")).string();
  auto started = NodePipeline::Start(std::move(pipeline), clock_, &catalog_, logger_);
  if (!started.ok()) return started.status();
  NodePipeline* raw = started->get();
  pipelines_[node] = *std::move(started);
  return raw;
}

bool SimNodes::Serves(const FaultRequest& request) const {
  return !options_.external_agents || request.reboot_downtime.has_value();
}

absl::Status SimNodes::Apply(const FaultRequest& request) {
  if (absl::Status valid = ValidateFaultRequest(request); !valid.ok()) return valid;
  if (request.reboot_downtime) return Reboot(request.node, *request.reboot_downtime);
  if (request.reset_gpus) return Heal(request.node, *request.reset_gpus);
  std::lock_guard lock(mu_);
  absl::StatusOr<NodePipeline*> node = Pipeline(request.node);
  if (!node.ok()) return node.status();
  return ApplyGpuRequest(request, (*node)->gpus(), options_.gpus_per_node);
}

absl::Status SimNodes::Reboot(const std::string& node, absl::Duration downtime) {
  if (!options_.reboot_node) {
    return absl::FailedPreconditionError(
        "this simulated cluster has no kubelet to reboot nodes (SimNodesOptions::reboot_node)");
  }
  NVSX_RETURN_IF_ERROR(CheckKnown(node));
  NVSX_RETURN_IF_ERROR(options_.reboot_node(node, downtime));
  // A reboot resets every GPU of the node; an external agent does it itself.
  return options_.external_agents ? absl::OkStatus() : Heal(node, {});
}

absl::Status SimNodes::Heal(const std::string& node, const std::vector<std::string>& gpus) {
  NVSX_RETURN_IF_ERROR(CheckKnown(node));
  // Resolved first: a bad GPU name fails even on a node that never started.
  NVSX_RETURN_IF_ERROR(ResolveGpus(node, gpus, options_.gpus_per_node).status());
  std::lock_guard lock(mu_);
  // A node whose pipeline never started has had no fault: nothing to heal.
  auto it = pipelines_.find(node);
  if (it == pipelines_.end()) return absl::OkStatus();
  return ApplyGpuRequest(FaultRequest{.node = node, .reset_gpus = gpus}, it->second->gpus(),
                         options_.gpus_per_node);
}

NodePipeline* SimNodes::Find(const std::string& node) {
  std::lock_guard lock(mu_);
  auto it = pipelines_.find(node);
  return it == pipelines_.end() ? nullptr : it->second.get();
}

}  // namespace nvsx::sim_nodes
