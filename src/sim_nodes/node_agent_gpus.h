#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/logger.h"
#include "kube/informer.h"
#include "kube/rest_client.h"
#include "nlohmann/json.hpp"
#include "nvml/sim_gpu_backend.h"
#include "sim_nodes/fault_injector.h"

namespace nvsx::sim_nodes {

// A standalone health provider's simulated GPUs (`nvsentinel health-provider
// --backend sim --sim-fault-requests`), reachable the way the sim's own are:
// it serves the fault requests for its node's GPUs (`nvsentinel sim inject`,
// the janitor's GPU resets) and, as a real reboot would, heals every GPU when
// its Node comes back with a new boot ID (the sim's kubelet serves the reboot
// itself). `client`, `clock` and `gpus` must outlive it.
class NodeAgentGpus final : public FaultTarget {
 public:
  NodeAgentGpus(kube::RestClient* client, core::WaitableClock* clock, nvml::SimGpuBackend* gpus,
                std::string node, int gpu_count, core::Logger logger);
  ~NodeAgentGpus() override;
  NodeAgentGpus(const NodeAgentGpus&) = delete;
  NodeAgentGpus& operator=(const NodeAgentGpus&) = delete;

  void Start();
  void Stop();

  // This node's requests, but not reboots.
  bool Serves(const FaultRequest& request) const override;
  bool AnswersMalformed() const override { return false; }
  absl::Status Apply(const FaultRequest& request) override;

 private:
  void OnNode(const nlohmann::json& node);

  nvml::SimGpuBackend* gpus_;
  const std::string node_;
  const int gpu_count_;
  core::Logger logger_;
  std::unique_ptr<FaultInjector> injector_;
  std::unique_ptr<kube::Informer> node_informer_;
  std::mutex mu_;
  // The boot ID last seen ("" for a node without one); nullopt until the
  // node is first seen.
  std::optional<std::string> boot_id_;
};

}  // namespace nvsx::sim_nodes
