#include "sim/openapi.h"

#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

std::string GroupVersionPath(const ResourceInfo& info) {
  return info.group.empty() ? core::StrCat("api/", info.version)
                            : core::StrCat("apis/", info.group, "/", info.version);
}

// "io.nvidia.nvsentinel.v1alpha1.HealthEvent": the group reversed, as the
// real server names custom resource schemas.
std::string SchemaName(const ResourceInfo& info) {
  std::string reversed;
  std::string_view group = info.group;
  while (!group.empty()) {
    size_t dot = group.rfind('.');
    std::string_view part = dot == std::string_view::npos ? group : group.substr(dot + 1);
    if (!reversed.empty()) reversed += '.';
    reversed += part;
    group = dot == std::string_view::npos ? std::string_view() : group.substr(0, dot);
  }
  return core::StrCat(reversed, ".", info.version, ".", info.kind);
}

}  // namespace

nlohmann::json OpenApiV3Index(const ResourceRegistry& registry) {
  nlohmann::json paths = nlohmann::json::object();
  for (const ResourceInfo& info : registry.All()) {
    const std::string path = GroupVersionPath(info);
    paths[path] = {{"serverRelativeURL", core::StrCat("/openapi/v3/", path)}};
  }
  return {{"paths", std::move(paths)}};
}

std::optional<nlohmann::json> OpenApiV3GroupVersion(const ResourceRegistry& registry,
                                                    const std::string& group,
                                                    const std::string& version) {
  nlohmann::json paths = nlohmann::json::object();
  nlohmann::json schemas = nlohmann::json::object();
  for (const ResourceInfo& info : registry.All()) {
    if (info.group != group || info.version != version) continue;
    if (info.schema != nullptr) {
      // What `kubectl explain` reads: the schema, tagged with its kind.
      nlohmann::json schema = *info.schema;
      schema["x-kubernetes-group-version-kind"] = {
          {{"group", info.group}, {"version", info.version}, {"kind", info.kind}}};
      schemas[SchemaName(info)] = std::move(schema);
    }
    const std::string prefix = core::StrCat("/", GroupVersionPath(info));
    const std::string path =
        info.namespaced ? core::StrCat(prefix, "/namespaces/{namespace}/", info.resource, "/{name}")
                        : core::StrCat(prefix, "/", info.resource, "/{name}");
    nlohmann::json gvk = {{"group", info.group}, {"version", info.version}, {"kind", info.kind}};
    nlohmann::json parameters = nlohmann::json::array();
    for (const char* name : {"dryRun", "fieldManager", "fieldValidation", "force"}) {
      parameters.push_back(
          {{"name", name},
           {"in", "query"},
           {"schema", {{"type", name == std::string("force") ? "boolean" : "string"}}}});
    }
    paths[path] = {{"patch",
                    {{"operationId", core::StrCat("patch", info.kind)},
                     {"x-kubernetes-action", "patch"},
                     {"x-kubernetes-group-version-kind", gvk},
                     {"parameters", parameters},
                     {"responses", {{"200", {{"description", "OK"}}}}}}}};
  }
  if (paths.empty()) return std::nullopt;
  return nlohmann::json{{"openapi", "3.0.0"},
                        {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
                        {"paths", std::move(paths)},
                        {"components", {{"schemas", std::move(schemas)}}}};
}

}  // namespace nvsx::sim
