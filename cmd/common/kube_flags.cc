#include "common/kube_flags.h"

#include <utility>

#include "common/flag_checks.h"
#include "kube/connect.h"

namespace nvsx::cmd {

void AddKubeClientFlags(CLI::App* command, KubeClientFlags* flags, bool rate_limits) {
  command->add_option("--kubeconfig", flags->kubeconfig,
                      "Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)");
  command->add_option("--context", flags->context, "Kubeconfig context (default: current)");
  if (!rate_limits) return;
  command->add_option("--qps", flags->qps, "API server requests per second (0: unlimited)")
      ->check(NumberAtLeast(0))
      ->capture_default_str();
  command->add_option("--burst", flags->burst, "API server request burst")
      ->check(WholeNumberAtLeast(1))
      ->capture_default_str();
}

absl::StatusOr<std::unique_ptr<kube::RestClient>> ConnectWithFlags(
    const KubeClientFlags& flags, const core::Environment& env, core::WaitableClock* clock,
    kube::RestClientOptions options) {
  kube::ConfigLoadOptions load;
  load.kubeconfig = flags.kubeconfig;
  load.context = flags.context;
  load.env = env;
  options.clock = clock;
  options.qps = flags.qps;
  options.burst = flags.burst;
  options.env = env;
  return kube::ConnectLikeKubectl(load, std::move(options));
}

}  // namespace nvsx::cmd
