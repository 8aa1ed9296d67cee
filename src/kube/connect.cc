#include "kube/connect.h"

#include <utility>

namespace nvsx::kube {

absl::StatusOr<std::unique_ptr<RestClient>> ConnectLikeKubectl(const ConfigLoadOptions& load,
                                                               RestClientOptions options) {
  absl::StatusOr<RestConfig> config = LoadRestConfig(load);
  if (!config.ok()) return config.status();
  return RestClient::New(*std::move(config), std::move(options));
}

}  // namespace nvsx::kube
