#pragma once

// The resource types the API server serves: the built-in ones plus those the
// stored CustomResourceDefinitions define. Thread-safe; discovery documents
// are rendered from it on each request so a new CRD shows up at once.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "sim/resource_info.h"

namespace nvsx::sim {

class ResourceRegistry {
 public:
  // Starts with BuiltinResources().
  ResourceRegistry();

  std::optional<ResourceInfo> Find(const std::string& group, const std::string& version,
                                   const std::string& resource) const;

  // Adds (or replaces) the resources of a CRD; InvalidArgument when the CRD is
  // malformed or would shadow a built-in resource.
  absl::Status AddCrd(const nlohmann::json& crd);
  void RemoveCrd(const std::string& crd_name);

  // Every served resource, built-in ones first.
  std::vector<ResourceInfo> All() const;

  // Plain discovery documents: /api, /apis, and the APIResourceList of one
  // group version (nullopt when nothing is served there).
  nlohmann::json ApiVersions(const std::string& server_address) const;
  nlohmann::json ApiGroupList() const;
  std::optional<nlohmann::json> ApiResourceList(const std::string& group,
                                                const std::string& version) const;
  // Aggregated discovery, what kubectl asks for first: an APIGroupDiscoveryList
  // of apidiscovery.k8s.io/`discovery_version` ("v2" or "v2beta1") holding the
  // core group (for /api) or every named group (for /apis), each with its
  // versions, preferred first, and all their resources, in one document.
  nlohmann::json AggregatedDiscovery(bool core_group, const std::string& discovery_version) const;

 private:
  mutable std::mutex mu_;
  std::vector<ResourceInfo> builtin_;
  std::map<std::string, std::vector<ResourceInfo>> crds_;  // by CRD name
};

}  // namespace nvsx::sim
