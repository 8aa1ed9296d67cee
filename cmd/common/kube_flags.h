#pragma once

// The flags every program that talks to the API server takes, and the client
// they describe.

#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/environment.h"
#include "kube/rest_client.h"

namespace nvsx::cmd {

struct KubeClientFlags {
  std::string kubeconfig;
  std::string context;
  double qps = 20;
  int burst = 50;
};

// --kubeconfig and --context; with `rate_limits`, --qps and --burst too.
void AddKubeClientFlags(CLI::App* command, KubeClientFlags* flags, bool rate_limits = true);

// A client for the cluster the flags name (found as kubectl finds it), from
// `options` with the clock, rate limits and environment filled in.
absl::StatusOr<std::unique_ptr<kube::RestClient>> ConnectWithFlags(const KubeClientFlags& flags,
                                                                   const core::Environment& env,
                                                                   core::WaitableClock* clock,
                                                                   kube::RestClientOptions options);

}  // namespace nvsx::cmd
