#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "kube/config_loader.h"
#include "kube/rest_client.h"

namespace nvsx::kube {

// A client for the cluster kubectl would talk to: the configuration found by
// LoadRestConfig (--kubeconfig, KUBECONFIG, ~/.kube/config, in-cluster),
// with `options` for rate limits, retries and identity.
absl::StatusOr<std::unique_ptr<RestClient>> ConnectLikeKubectl(const ConfigLoadOptions& load,
                                                               RestClientOptions options);

}  // namespace nvsx::kube
