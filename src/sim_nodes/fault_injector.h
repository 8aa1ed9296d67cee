#pragma once

#include <memory>

#include "core/clock.h"
#include "core/logger.h"
#include "kube/informer.h"
#include "kube/rest_client.h"
#include "nlohmann/json.hpp"
#include "sim_nodes/fault_request.h"

namespace nvsx::sim_nodes {

// What a FaultInjector applies fault requests to. The sim's own nodes serve
// every request, or only reboots when the node agents run outside it; a
// standalone health provider's simulated GPUs serve their node's GPU
// requests. Exactly one target must serve each request.
class FaultTarget {
 public:
  virtual ~FaultTarget() = default;
  // Whether this target carries out `request`; another one serves the rest.
  virtual bool Serves(const FaultRequest& request) const = 0;
  // Whether this target answers requests that do not parse (the sim does).
  virtual bool AnswersMalformed() const = 0;
  virtual absl::Status Apply(const FaultRequest& request) = 0;
};

// The serving side of `nvsentinel sim inject`: watches fault-request
// ConfigMaps (see fault_request.h) and applies each one without a result that
// `target` serves, then writes the result annotation. A request is applied
// once: one that already has a result is left alone. `client`, `clock` and
// `target` must outlive it.
class FaultInjector {
 public:
  FaultInjector(kube::RestClient* client, core::WaitableClock* clock, FaultTarget* target,
                core::Logger logger);
  ~FaultInjector();

  void Start();
  void Stop();

 private:
  void Handle(const nlohmann::json& config_map);

  kube::RestClient* client_;
  FaultTarget* target_;
  core::Logger logger_;
  std::unique_ptr<kube::Informer> informer_;
};

}  // namespace nvsx::sim_nodes
