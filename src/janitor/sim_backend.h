#pragma once

#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "janitor/janitor_backend.h"
#include "kube/rest_client.h"

namespace nvsx::janitor {

struct SimBackendOptions {
  // How long a rebooted node stays down in the embedded cluster.
  absl::Duration reboot_downtime = absl::Seconds(1);
  // How long to wait for the sim to take a request.
  absl::Duration request_timeout = absl::Seconds(30);
};

// `--backend sim`: asks the embedded cluster (`nvsentinel sim`) to reboot the
// node or reset its GPUs with a fault request through the API server, as
// `nvsentinel sim inject` does (sim_nodes/fault_request_client.h). The sim's
// kubelet takes a rebooted node down and brings it back Ready; a reset or a
// reboot heals the simulated GPUs. `client` and `clock` must outlive it.
class SimBackend final : public JanitorBackend {
 public:
  SimBackend(kube::RestClient* client, core::WaitableClock* clock, SimBackendOptions options,
             core::Logger logger);

  std::string_view name() const override { return "sim"; }
  // A simulated node has no graceful shutdown to skip: `force` changes nothing.
  absl::Status RebootNode(const std::string& node, bool force) override;
  absl::Status ResetGpus(const std::string& node, const std::vector<std::string>& gpus) override;

 private:
  kube::RestClient* const client_;
  core::WaitableClock* const clock_;
  const SimBackendOptions options_;
  core::Logger logger_;
};

}  // namespace nvsx::janitor
