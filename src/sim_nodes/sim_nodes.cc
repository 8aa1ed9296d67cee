#include "sim_nodes/sim_nodes.h"

#include <stdlib.h>

#include <algorithm>
#include <charconv>

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
  {
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

absl::Status SimNodes::Apply(const FaultRequest& request) {
  if (absl::Status valid = ValidateFaultRequest(request); !valid.ok()) return valid;
  if (request.reboot_downtime) return Reboot(request.node, *request.reboot_downtime);
  if (request.reset_gpus) return Heal(request.node, *request.reset_gpus);
  std::lock_guard lock(mu_);
  absl::StatusOr<NodePipeline*> node = Pipeline(request.node);
  if (!node.ok()) return node.status();
  nvml::SimGpuBackend& gpus = (*node)->gpus();
  if (request.clear) return gpus.Clear(request.gpu);
  if (request.xid) return gpus.InjectXid(request.gpu, *request.xid);
  return gpus.InjectFault(request.gpu, *request.fault);
}

absl::Status SimNodes::Reboot(const std::string& node, absl::Duration downtime) {
  if (!options_.reboot_node) {
    return absl::FailedPreconditionError(
        "this simulated cluster has no kubelet to reboot nodes (SimNodesOptions::reboot_node)");
  }
  NVSX_RETURN_IF_ERROR(CheckKnown(node));
  NVSX_RETURN_IF_ERROR(options_.reboot_node(node, downtime));
  // A reboot resets every GPU of the node.
  return Heal(node, {});
}

absl::StatusOr<int> SimNodes::GpuIndex(const std::string& node, const std::string& gpu) const {
  int index = -1;
  auto [end, error] = std::from_chars(gpu.data(), gpu.data() + gpu.size(), index);
  const bool numeric = error == std::errc() && end == gpu.data() + gpu.size();
  for (int i = 0; i < options_.gpus_per_node; ++i) {
    if (numeric ? i == index : nvml::SimGpuUuid(node, i) == gpu) return i;
  }
  return absl::NotFoundError(core::StrCat("GPU \"", gpu, "\" is not one of the ",
                                          options_.gpus_per_node, " GPUs of ", node,
                                          " (give an index from 0 or a UUID)"));
}

absl::Status SimNodes::Heal(const std::string& node, const std::vector<std::string>& gpus) {
  NVSX_RETURN_IF_ERROR(CheckKnown(node));
  std::vector<int> indexes;
  if (gpus.empty()) {
    for (int i = 0; i < options_.gpus_per_node; ++i) indexes.push_back(i);
  }
  for (const std::string& gpu : gpus) {
    NVSX_ASSIGN_OR_RETURN(int index, GpuIndex(node, gpu));
    indexes.push_back(index);
  }
  std::lock_guard lock(mu_);
  // A node whose pipeline never started has had no fault: nothing to heal.
  auto it = pipelines_.find(node);
  if (it == pipelines_.end()) return absl::OkStatus();
  for (int index : indexes) NVSX_RETURN_IF_ERROR(it->second->gpus().Reset(index));
  return absl::OkStatus();
}

NodePipeline* SimNodes::Find(const std::string& node) {
  std::lock_guard lock(mu_);
  auto it = pipelines_.find(node);
  return it == pipelines_.end() ? nullptr : it->second.get();
}

}  // namespace nvsx::sim_nodes
