#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nvsx::kube {

// Names one resource collection or object: the core group is "" (paths
// under /api/v1), every other group lives under /apis/GROUP/VERSION.
struct ResourceRef {
  std::string group;
  std::string version = "v1";
  std::string resource;        // plural: "pods", "nodes", "healthevents"
  std::string namespace_name;  // empty for cluster-scoped resources or all namespaces
  std::string name;            // empty for the collection
  std::string subresource;     // "status", "eviction", ...; needs a name

  ResourceRef WithName(std::string object_name) const;
  ResourceRef WithSubresource(std::string sub) const;
};

// "/api/v1/namespaces/ns/pods/p/status", each segment percent-encoded.
std::string ResourcePath(const ResourceRef& ref);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view text);

// "?a=1&b=x%20y", or "" when `params` is empty.
std::string EncodeQuery(const QueryParams& params);

}  // namespace nvsx::kube
