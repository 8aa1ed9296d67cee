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

  // Discovery documents (plain, not aggregated): /api, /apis, and the
  // APIResourceList of one group version (nullopt when nothing is served
  // there).
  nlohmann::json ApiVersions(const std::string& server_address) const;
  nlohmann::json ApiGroupList() const;
  std::optional<nlohmann::json> ApiResourceList(const std::string& group,
                                                const std::string& version) const;

 private:
  mutable std::mutex mu_;
  std::vector<ResourceInfo> builtin_;
  std::map<std::string, std::vector<ResourceInfo>> crds_;  // by CRD name
};

}  // namespace nvsx::sim
