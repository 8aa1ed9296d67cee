#pragma once

// Validation of a custom resource against its CRD's openAPIV3Schema: types,
// required properties, enums, minimum/maximum, nested properties and items.
// metadata, apiVersion and kind are the server's to check, not the schema's.

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "sim/api_error.h"

namespace nvsx::sim {

// Every violation, one cause per field ("spec.xid"), in document order.
std::vector<FieldCause> ValidateAgainstSchema(const nlohmann::json& object,
                                              const nlohmann::json& schema);

// Removes fields the schema does not declare, as the real server prunes
// custom resources (x-kubernetes-preserve-unknown-fields keeps them; metadata,
// apiVersion and kind at the top are never pruned). Returns the dotted paths
// removed, so a fieldValidation=Strict request can be refused instead.
std::vector<std::string> PruneUnknownFields(nlohmann::json& object, const nlohmann::json& schema);

}  // namespace nvsx::sim
