#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/environment.h"
#include "kube/kubeconfig.h"
#include "kube/rest_config.h"

namespace nvsx::kube {

// Where a pod finds its service account; injectable for tests.
struct InClusterPaths {
  std::filesystem::path token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::filesystem::path ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::filesystem::path namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

struct ConfigLoadOptions {
  std::filesystem::path kubeconfig;  // --kubeconfig; empty: not given
  std::string context;               // --context; empty: current-context
  core::Environment env;             // KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT
  InClusterPaths in_cluster;
};

// Finds the configuration the way kubectl does: the explicit path (which must
// exist), else every file in KUBECONFIG (colon-separated, missing ones
// skipped, merged), else $HOME/.kube/config, else the in-cluster config.
absl::StatusOr<RestConfig> LoadRestConfig(const ConfigLoadOptions& options);

// The RestConfig of `context` (empty: the current context) in `config`.
// Files named in the config (CA, client certificate and key) are read now;
// a token file is only checked to exist, as it is re-read on use.
absl::StatusOr<RestConfig> RestConfigFromKubeconfig(const Kubeconfig& config,
                                                    std::string_view context);

// The config of a pod: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT,
// the service-account token file (re-read on rotation) and CA.
absl::StatusOr<RestConfig> InClusterConfig(const core::Environment& env,
                                           const InClusterPaths& paths);

}  // namespace nvsx::kube
