#pragma once

// What the API server knows about one resource type: names for discovery,
// scope, subresources, printer columns and (for custom resources) the schema.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

// A column of `kubectl get` output (a CRD's additionalPrinterColumns).
struct PrinterColumn {
  std::string name;
  std::string type;  // string, integer, number, boolean, date
  std::string format;
  std::string description;
  std::string json_path;  // ".spec.nodeName"
  int priority = 0;
};

struct ResourceInfo {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural: "nodes"
  std::string kind;
  std::string singular;
  bool namespaced = false;
  bool has_status = false;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> subresources;  // "status", "eviction"
  std::vector<std::string> verbs;
  std::vector<PrinterColumn> columns;  // empty: NAME and AGE
  // openAPIV3Schema of a custom resource version; null for built-in kinds
  // and for versions without one. Shared: every request copies its ResourceInfo.
  std::shared_ptr<const nlohmann::json> schema;
  // The CRD this came from ("" for built-in kinds).
  std::string crd_name;

  // "v1", "coordination.k8s.io/v1".
  std::string ApiVersion() const;
  // "nodes", "healthevents.nvsentinel.nvidia.com": the store's key and the
  // name used in error messages.
  std::string GroupResource() const;
};

// The built-in kinds the embedded server serves.
std::vector<ResourceInfo> BuiltinResources();

// One ResourceInfo per served version of a CustomResourceDefinition
// (apiextensions.k8s.io/v1). Errors (InvalidArgument) name the missing field.
absl::StatusOr<std::vector<ResourceInfo>> ResourcesFromCrd(const nlohmann::json& crd);

}  // namespace nvsx::sim
