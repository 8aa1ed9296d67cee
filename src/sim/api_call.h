#pragma once

// What the ApiServer's handlers share, split over api_server*.cc: the request
// being answered (ApiServer::Call) and how its query and headers read.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sim/api_server.h"
#include "sim/object_store.h"
#include "sim/request_path.h"
#include "sim/resource_info.h"

namespace nvsx::sim {

inline constexpr char kJsonMediaType[] = "application/json";

struct ApiServer::Call {
  std::string method;
  const httplib::Request& http;
  httplib::Response& response;
  RequestPath path;
  ResourceInfo resource;

  void Reply(int code, const nlohmann::json& body);
  // The request body as JSON, from JSON or YAML (by Content-Type).
  absl::StatusOr<nlohmann::json> Body() const;
};

// The media type of a Content-Type header, without parameters.
std::string MediaType(const httplib::Request& request);
// fieldValidation=Strict (what kubectl sends): unknown fields are an error
// instead of being dropped.
bool StrictFields(const httplib::Request& request);
// Accept: ...;as=Table (kubectl get).
bool WantsTable(const httplib::Request& request);
// The apidiscovery.k8s.io version ("v2" or "v2beta1") of the aggregated
// discovery document the Accept header asks for, when it asks for one before
// it would take a plain document (as kubectl does); nothing otherwise.
std::optional<std::string> AggregatedDiscoveryVersion(const httplib::Request& request);
// Go's strconv.ParseBool, which the real server uses for query flags.
bool Truthy(const std::string& value);
// ?dryRun=All: validate and answer as if written, change nothing.
bool DryRun(const httplib::Request& request);
// An integer query parameter; nothing when absent or not an integer.
std::optional<int64_t> IntParam(const httplib::Request& request, const char* name);
// labelSelector, fieldSelector, limit and continue.
absl::StatusOr<ListOptions> ParseListOptions(const httplib::Request& request);

bool IsPods(const ResourceInfo& resource);
// The request's namespace for a namespaced resource, "" for a cluster-scoped one.
std::string DefaultNamespaceFor(const ResourceInfo& resource, const RequestPath& path);

}  // namespace nvsx::sim
