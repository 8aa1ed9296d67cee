#pragma once

// The OpenAPI v3 documents kubectl reads before it writes: /openapi/v3 (an
// index of group versions) and /openapi/v3/api/v1, /openapi/v3/apis/G/V. They
// are minimal: one path per resource whose PATCH operation names its
// group-version-kind and the fieldValidation parameter, which is what
// kubectl's validation checks to leave validation to the server. Schemas
// are not included (so `kubectl explain` does not work yet).

#include <optional>
#include <string>

#include "nlohmann/json.hpp"
#include "sim/resource_registry.h"

namespace nvsx::sim {

nlohmann::json OpenApiV3Index(const ResourceRegistry& registry);

// Nullopt when nothing is served under that group version.
std::optional<nlohmann::json> OpenApiV3GroupVersion(const ResourceRegistry& registry,
                                                    const std::string& group,
                                                    const std::string& version);

}  // namespace nvsx::sim
