#pragma once

#include <memory>

#include "core/clock.h"
#include "core/logger.h"
#include "kube/informer.h"
#include "kube/rest_client.h"
#include "nlohmann/json.hpp"
#include "sim_nodes/sim_nodes.h"

namespace nvsx::sim_nodes {

// The sim's side of `nvsentinel sim inject`: watches fault-request ConfigMaps
// (see fault_request.h) and applies each one without a result to `nodes`,
// then writes the result annotation. A request is applied once: one that
// already has a result is left alone. `client`, `clock` and `nodes` must
// outlive it.
class FaultInjector {
 public:
  FaultInjector(kube::RestClient* client, core::WaitableClock* clock, SimNodes* nodes,
                core::Logger logger);
  ~FaultInjector();

  void Start();
  void Stop();

 private:
  void Handle(const nlohmann::json& config_map);

  kube::RestClient* client_;
  SimNodes* nodes_;
  core::Logger logger_;
  std::unique_ptr<kube::Informer> informer_;
};

}  // namespace nvsx::sim_nodes
