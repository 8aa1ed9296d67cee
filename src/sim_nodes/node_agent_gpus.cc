#include "sim_nodes/node_agent_gpus.h"

#include <string>
#include <utility>
#include <vector>

#include "core/str_cat.h"
#include "kube/types/json_fields.h"

namespace nvsx::sim_nodes {

NodeAgentGpus::NodeAgentGpus(kube::RestClient* client, core::WaitableClock* clock,
                             nvml::SimGpuBackend* gpus, std::string node, int gpu_count,
                             core::Logger logger)
    : gpus_(gpus), node_(std::move(node)), gpu_count_(gpu_count), logger_(std::move(logger)) {
  injector_ = std::make_unique<FaultInjector>(client, clock, this,
                                              logger_.With({{"component", "fault-requests"}}));
  kube::InformerOptions options;
  options.reflector.resource = {.group = "", .version = "v1", .resource = "nodes"};
  options.reflector.field_selector = core::StrCat("metadata.name=", node_);
  node_informer_ = std::make_unique<kube::Informer>(client, clock, options, logger_);
  node_informer_->AddEventHandlers(kube::EventHandlers{
      .on_add = [this](const nlohmann::json& object) { OnNode(object); },
      .on_update = [this](const nlohmann::json&, const nlohmann::json& object) { OnNode(object); },
  });
}

NodeAgentGpus::~NodeAgentGpus() { Stop(); }

void NodeAgentGpus::Start() {
  node_informer_->Start();
  injector_->Start();
}

void NodeAgentGpus::Stop() {
  injector_->Stop();
  node_informer_->Stop();
}

bool NodeAgentGpus::Serves(const FaultRequest& request) const {
  return request.node == node_ && !request.reboot_downtime.has_value();
}

absl::Status NodeAgentGpus::Apply(const FaultRequest& request) {
  if (absl::Status valid = ValidateFaultRequest(request); !valid.ok()) return valid;
  return ApplyGpuRequest(request, *gpus_, gpu_count_);
}

void NodeAgentGpus::OnNode(const nlohmann::json& node) {
  const nlohmann::json* field = kube::FieldAt(node, {"status", "nodeInfo", "bootID"});
  const std::string boot_id =
      field != nullptr && field->is_string() ? field->get<std::string>() : std::string();
  {
    std::lock_guard lock(mu_);
    const std::optional<std::string> previous = std::exchange(boot_id_, boot_id);
    if (!previous.has_value() || *previous == boot_id) return;
  }
  // A new boot ID: the node rebooted, and a reboot resets every GPU.
  absl::Status healed = ApplyGpuRequest(
      FaultRequest{.node = node_, .reset_gpus = std::vector<std::string>{}}, *gpus_, gpu_count_);
  if (healed.ok()) {
    logger_.Info("node rebooted; its simulated GPUs are reset", {{"node", node_}});
  } else {
    logger_.Warn("node rebooted, but resetting its simulated GPUs failed",
                 {{"node", node_}, {"error", std::string(healed.message())}});
  }
}

}  // namespace nvsx::sim_nodes
