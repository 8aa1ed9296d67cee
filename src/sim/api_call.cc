#include "sim/api_call.h"

#include <cstdlib>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "core/json_load.h"
#include "core/str_cat.h"
#include "core/yaml_load.h"
#include "sim/api_error.h"

namespace nvsx::sim {

using nlohmann::json;

void ApiServer::Call::Reply(int code, const json& body) {
  response.status = code;
  response.set_content(body.dump(), kJsonMediaType);
}

absl::StatusOr<json> ApiServer::Call::Body() const {
  const std::string type = MediaType(http);
  if (type == "application/yaml") {
    absl::StatusOr<YAML::Node> yaml = core::ParseYaml(http.body, "request body");
    if (!yaml.ok()) return BadRequest(core::ToStd(yaml.status().message()));
    return core::YamlToJson(*yaml);
  }
  if (type != kJsonMediaType && !type.empty()) return UnsupportedMediaType(type);
  absl::StatusOr<json> parsed = core::ParseJson(http.body, "request body");
  if (!parsed.ok()) {
    return BadRequest(
        core::StrCat("the request body is not valid JSON: ", parsed.status().message()));
  }
  return parsed;
}

std::string MediaType(const httplib::Request& request) {
  std::string type = request.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

bool StrictFields(const httplib::Request& request) {
  return request.get_param_value("fieldValidation") == "Strict";
}

bool WantsTable(const httplib::Request& request) {
  const std::string accept = request.get_header_value("Accept");
  return accept.find("as=Table") != std::string::npos;
}

std::optional<std::string> AggregatedDiscoveryVersion(const httplib::Request& request) {
  // Media ranges in the client's order of preference, e.g.
  // application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json
  for (absl::string_view range : absl::StrSplit(request.get_header_value("Accept"), ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(range, ';');
    const absl::string_view type = absl::StripAsciiWhitespace(parts[0]);
    std::map<std::string, std::string> params;
    for (size_t i = 1; i < parts.size(); ++i) {
      std::pair<absl::string_view, absl::string_view> param =
          absl::StrSplit(parts[i], absl::MaxSplits('=', 1));
      params[std::string(absl::StripAsciiWhitespace(param.first))] =
          std::string(absl::StripAsciiWhitespace(param.second));
    }
    const bool json_type = type == "application/json" || type == "application/*" || type == "*/*";
    if (!json_type) continue;                         // protobuf, or nothing we serve
    if (!params.contains("as")) return std::nullopt;  // a plain document comes first
    if (params["as"] == "APIGroupDiscoveryList" && params["g"] == "apidiscovery.k8s.io" &&
        (params["v"] == "v2" || params["v"] == "v2beta1")) {
      return params["v"];
    }
  }
  return std::nullopt;
}

bool Truthy(const std::string& value) {
  return value == "1" || value == "t" || value == "T" || value == "true" || value == "TRUE" ||
         value == "True";
}

bool DryRun(const httplib::Request& request) {
  const std::string value = request.get_param_value("dryRun");
  return value == "All" || Truthy(value);
}

std::optional<int64_t> IntParam(const httplib::Request& request, const char* name) {
  if (!request.has_param(name)) return std::nullopt;
  const std::string text = request.get_param_value(name);
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') return std::nullopt;
  return value;
}

bool IsPods(const ResourceInfo& resource) {
  return resource.group.empty() && resource.resource == "pods";
}

std::string DefaultNamespaceFor(const ResourceInfo& resource, const RequestPath& path) {
  return resource.namespaced ? path.namespace_name : "";
}

absl::StatusOr<ListOptions> ParseListOptions(const httplib::Request& request) {
  ListOptions options;
  absl::StatusOr<LabelSelector> labels =
      LabelSelector::Parse(request.get_param_value("labelSelector"));
  if (!labels.ok()) return BadRequest(core::ToStd(labels.status().message()));
  options.labels = *std::move(labels);
  absl::StatusOr<FieldSelector> fields =
      FieldSelector::Parse(request.get_param_value("fieldSelector"));
  if (!fields.ok()) return BadRequest(core::ToStd(fields.status().message()));
  options.fields = *std::move(fields);
  if (request.has_param("limit")) {
    std::optional<int64_t> limit = IntParam(request, "limit");
    if (!limit.has_value() || *limit < 0) return BadRequest("limit must be a non-negative integer");
    options.limit = *limit;
  }
  options.continue_token = request.get_param_value("continue");
  return options;
}

}  // namespace nvsx::sim
