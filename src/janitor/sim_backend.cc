#include "janitor/sim_backend.h"

#include "sim_nodes/fault_request_client.h"

namespace nvsx::janitor {

SimBackend::SimBackend(kube::RestClient* client, core::WaitableClock* clock,
                       SimBackendOptions options, core::Logger logger)
    : client_(client), clock_(clock), options_(options), logger_(std::move(logger)) {}

absl::Status SimBackend::RebootNode(const std::string& node, bool /*force*/) {
  sim_nodes::FaultRequest request{.node = node, .reboot_downtime = options_.reboot_downtime};
  return sim_nodes::SubmitFaultRequest(*client_, request, options_.request_timeout, *clock_,
                                       logger_)
      .status();
}

absl::Status SimBackend::ResetGpus(const std::string& node, const std::vector<std::string>& gpus) {
  sim_nodes::FaultRequest request{.node = node, .reset_gpus = gpus};
  return sim_nodes::SubmitFaultRequest(*client_, request, options_.request_timeout, *clock_,
                                       logger_)
      .status();
}

}  // namespace nvsx::janitor
