#include "sim/resource_info.h"

#include <cctype>

#include "absl/status/status.h"
#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

const std::vector<std::string>& AllVerbs() {
  static const std::vector<std::string>* const kVerbs = new std::vector<std::string>{
      "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
  return *kVerbs;
}

ResourceInfo Builtin(std::string group, std::string version, std::string resource, std::string kind,
                     bool namespaced, std::vector<std::string> short_names,
                     std::vector<std::string> subresources) {
  ResourceInfo info;
  info.group = std::move(group);
  info.version = std::move(version);
  info.resource = std::move(resource);
  info.kind = std::move(kind);
  info.singular = info.kind;
  for (char& c : info.singular) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  info.namespaced = namespaced;
  info.short_names = std::move(short_names);
  info.subresources = std::move(subresources);
  for (const std::string& sub : info.subresources) info.has_status |= sub == "status";
  info.verbs = AllVerbs();
  return info;
}

}  // namespace

std::string ResourceInfo::ApiVersion() const {
  return group.empty() ? version : core::StrCat(group, "/", version);
}

std::string ResourceInfo::GroupResource() const {
  return group.empty() ? resource : core::StrCat(resource, ".", group);
}

std::vector<ResourceInfo> BuiltinResources() {
  std::vector<ResourceInfo> resources = {
      Builtin("", "v1", "namespaces", "Namespace", false, {"ns"}, {"status"}),
      Builtin("", "v1", "nodes", "Node", false, {"no"}, {"status"}),
      Builtin("", "v1", "pods", "Pod", true, {"po"}, {"status", "eviction", "log"}),
      Builtin("", "v1", "events", "Event", true, {"ev"}, {}),
      Builtin("", "v1", "configmaps", "ConfigMap", true, {"cm"}, {}),
      Builtin("", "v1", "secrets", "Secret", true, {}, {}),
      Builtin("", "v1", "serviceaccounts", "ServiceAccount", true, {"sa"}, {}),
      Builtin("", "v1", "services", "Service", true, {"svc"}, {"status"}),
      Builtin("coordination.k8s.io", "v1", "leases", "Lease", true, {}, {}),
      // Owners of pods: `kubectl drain` looks a DaemonSet pod's owner up.
      Builtin("apps", "v1", "daemonsets", "DaemonSet", true, {"ds"}, {"status"}),
      Builtin("apps", "v1", "deployments", "Deployment", true, {"deploy"}, {"status"}),
      Builtin("apps", "v1", "replicasets", "ReplicaSet", true, {"rs"}, {"status"}),
      Builtin("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, {"pdb"},
              {"status"}),
      Builtin("events.k8s.io", "v1", "events", "Event", true, {"ev"}, {}),
      Builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
              false, {"crd", "crds"}, {"status"}),
      // Stored, not enforced: deploy/ manifests apply (and dry-run) against the sim.
      Builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, {}, {}),
      Builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false,
              {}, {}),
      Builtin("rbac.authorization.k8s.io", "v1", "roles", "Role", true, {}, {}),
      Builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, {}, {}),
  };
  for (ResourceInfo& info : resources) {
    if (info.resource == "customresourcedefinitions") info.categories = {"api-extensions"};
    if (info.resource == "pods") info.categories = {"all"};
  }
  return resources;
}

absl::StatusOr<std::vector<ResourceInfo>> ResourcesFromCrd(const nlohmann::json& crd) {
  const nlohmann::json& spec = crd.contains("spec") ? crd["spec"] : nlohmann::json();
  auto missing = [](std::string_view field) {
    return absl::InvalidArgumentError(
        core::StrCat("CustomResourceDefinition: ", field, " is required"));
  };
  if (!spec.is_object()) return missing("spec");
  const std::string group = spec.value("group", "");
  if (group.empty()) return missing("spec.group");
  if (!spec.contains("names") || !spec["names"].is_object()) return missing("spec.names");
  const nlohmann::json& names = spec["names"];
  const std::string plural = names.value("plural", "");
  const std::string kind = names.value("kind", "");
  if (plural.empty()) return missing("spec.names.plural");
  if (kind.empty()) return missing("spec.names.kind");
  const std::string scope = spec.value("scope", "");
  if (scope != "Cluster" && scope != "Namespaced") {
    return absl::InvalidArgumentError(
        "CustomResourceDefinition: spec.scope must be Cluster or Namespaced");
  }
  if (!spec.contains("versions") || !spec["versions"].is_array() || spec["versions"].empty()) {
    return missing("spec.versions");
  }
  std::vector<ResourceInfo> out;
  for (const nlohmann::json& version : spec["versions"]) {
    if (!version.is_object() || !version.value("served", true)) continue;
    ResourceInfo info;
    info.group = group;
    info.version = version.value("name", "");
    if (info.version.empty()) return missing("spec.versions[].name");
    info.resource = plural;
    info.kind = kind;
    info.singular = names.value("singular", "");
    if (info.singular.empty()) {
      info.singular = kind;
      for (char& c : info.singular) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    info.namespaced = scope == "Namespaced";
    if (names.contains("shortNames") && names["shortNames"].is_array()) {
      for (const auto& name : names["shortNames"]) {
        if (name.is_string()) info.short_names.push_back(name.get<std::string>());
      }
    }
    if (names.contains("categories") && names["categories"].is_array()) {
      for (const auto& name : names["categories"]) {
        if (name.is_string()) info.categories.push_back(name.get<std::string>());
      }
    }
    if (version.contains("subresources") && version["subresources"].is_object() &&
        version["subresources"].contains("status")) {
      info.has_status = true;
      info.subresources.push_back("status");
    }
    info.verbs = AllVerbs();
    if (version.contains("additionalPrinterColumns") &&
        version["additionalPrinterColumns"].is_array()) {
      for (const nlohmann::json& column : version["additionalPrinterColumns"]) {
        PrinterColumn printer;
        printer.name = column.value("name", "");
        printer.type = column.value("type", "string");
        printer.format = column.value("format", "");
        printer.description = column.value("description", "");
        printer.json_path = column.value("jsonPath", "");
        printer.priority = column.value("priority", 0);
        if (printer.name.empty() || printer.json_path.empty()) {
          return missing("additionalPrinterColumns[].name and .jsonPath");
        }
        info.columns.push_back(std::move(printer));
      }
    }
    if (version.contains("schema") && version["schema"].is_object()) {
      nlohmann::json schema = version["schema"].value("openAPIV3Schema", nlohmann::json());
      if (schema.is_object())
        info.schema = std::make_shared<const nlohmann::json>(std::move(schema));
    }
    info.crd_name = crd.contains("metadata") ? crd["metadata"].value("name", "") : "";
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace nvsx::sim
