#pragma once

// Server-side printing: the meta.k8s.io/v1 Table `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Columns are a
// CRD's additionalPrinterColumns, the usual ones for nodes and pods, or NAME
// and AGE.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "sim/resource_info.h"

namespace nvsx::sim {

struct TableOptions {
  absl::Time now;
  std::string resource_version;
  std::string continue_token;
  // Rows carry the whole object (includeObject=Object) instead of its
  // metadata (PartialObjectMetadata, the default).
  bool include_object = false;
};

// The Table as JSON text (what the server sends).
std::string RenderTableText(const ResourceInfo& resource,
                            const std::vector<std::shared_ptr<const nlohmann::json>>& items,
                            const TableOptions& options);

// The same Table as a JSON value.
nlohmann::json RenderTable(const ResourceInfo& resource,
                           const std::vector<std::shared_ptr<const nlohmann::json>>& items,
                           const TableOptions& options);

// Kubernetes' HumanDuration: "45s", "3m20s", "5h", "12d", "2y30d".
std::string HumanDuration(absl::Duration duration);

// Evaluates the simple JSONPath printer columns use: `.a.b`, `.a[0]`,
// `.a[?(@.type=="Ready")].status`. Null when the path leads nowhere.
nlohmann::json EvaluateJsonPath(const nlohmann::json& object, std::string_view path);

}  // namespace nvsx::sim
