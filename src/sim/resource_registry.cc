#include "sim/resource_registry.h"

#include <algorithm>
#include <iterator>

#include "absl/status/statusor.h"
#include "core/str_cat.h"

namespace nvsx::sim {

ResourceRegistry::ResourceRegistry() : builtin_(BuiltinResources()) {}

std::vector<ResourceInfo> ResourceRegistry::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ResourceInfo> all = builtin_;
  for (const auto& [name, infos] : crds_) all.insert(all.end(), infos.begin(), infos.end());
  return all;
}

std::optional<ResourceInfo> ResourceRegistry::Find(const std::string& group,
                                                   const std::string& version,
                                                   const std::string& resource) const {
  auto matches = [&](const ResourceInfo& info) {
    return info.group == group && info.version == version && info.resource == resource;
  };
  std::lock_guard<std::mutex> lock(mu_);
  for (const ResourceInfo& info : builtin_) {
    if (matches(info)) return info;
  }
  for (const auto& [name, infos] : crds_) {
    for (const ResourceInfo& info : infos) {
      if (matches(info)) return info;
    }
  }
  return std::nullopt;
}

absl::Status ResourceRegistry::AddCrd(const nlohmann::json& crd) {
  absl::StatusOr<std::vector<ResourceInfo>> infos = ResourcesFromCrd(crd);
  if (!infos.ok()) return infos.status();
  std::lock_guard<std::mutex> lock(mu_);
  for (const ResourceInfo& info : *infos) {
    for (const ResourceInfo& builtin : builtin_) {
      if (builtin.group == info.group && builtin.resource == info.resource) {
        return absl::InvalidArgumentError(
            core::StrCat("spec.group: ", info.group, " is served by the API server itself"));
      }
    }
  }
  std::string name = crd["metadata"].value("name", "");
  crds_[name] = *std::move(infos);
  return absl::OkStatus();
}

void ResourceRegistry::RemoveCrd(const std::string& crd_name) {
  std::lock_guard<std::mutex> lock(mu_);
  crds_.erase(crd_name);
}

nlohmann::json ResourceRegistry::ApiVersions(const std::string& server_address) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

namespace {

using nlohmann::json;

// The core group "" alone (`core`) or every named group, each with its
// versions in the order first seen: a CRD lists its preferred version first.
std::vector<std::pair<std::string, std::vector<std::string>>> GroupVersions(
    const std::vector<ResourceInfo>& all, bool core) {
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const ResourceInfo& info : all) {
    if (info.group.empty() != core) continue;
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& entry) { return entry.first == info.group; });
    if (it == groups.end()) {
      groups.push_back({info.group, {}});
      it = std::prev(groups.end());
    }
    if (std::find(it->second.begin(), it->second.end(), info.version) == it->second.end()) {
      it->second.push_back(info.version);
    }
  }
  return groups;
}

// What a subresource of `info` answers with, and to which verbs.
struct SubresourceShape {
  json response_kind;  // {group, version, kind}
  std::vector<std::string> verbs;
};

SubresourceShape ShapeOf(const ResourceInfo& info, const std::string& subresource) {
  if (subresource == "eviction") {
    return {{{"group", "policy"}, {"version", "v1"}, {"kind", "Eviction"}}, {"create"}};
  }
  json kind = {{"group", info.group}, {"version", info.version}, {"kind", info.kind}};
  if (subresource == "log") return {std::move(kind), {"get"}};
  return {std::move(kind), {"get", "patch", "update"}};
}

// One resource of an aggregated discovery document.
json AggregatedResource(const ResourceInfo& info) {
  json entry = {
      {"resource", info.resource},
      {"responseKind", {{"group", info.group}, {"version", info.version}, {"kind", info.kind}}},
      {"scope", info.namespaced ? "Namespaced" : "Cluster"},
      {"singularResource", info.singular},
      {"verbs", info.verbs}};
  if (!info.short_names.empty()) entry["shortNames"] = info.short_names;
  if (!info.categories.empty()) entry["categories"] = info.categories;
  if (!info.subresources.empty()) {
    json subresources = json::array();
    for (const std::string& sub : info.subresources) {
      SubresourceShape shape = ShapeOf(info, sub);
      subresources.push_back({{"subresource", sub},
                              {"responseKind", std::move(shape.response_kind)},
                              {"verbs", std::move(shape.verbs)}});
    }
    entry["subresources"] = std::move(subresources);
  }
  return entry;
}

}  // namespace

json ResourceRegistry::ApiGroupList() const {
  json list = {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", json::array()}};
  for (const auto& [group, versions] : GroupVersions(All(), /*core=*/false)) {
    json entry = {{"name", group}, {"versions", json::array()}};
    for (const std::string& version : versions) {
      entry["versions"].push_back(
          {{"groupVersion", core::StrCat(group, "/", version)}, {"version", version}});
    }
    entry["preferredVersion"] = entry["versions"][0];
    list["groups"].push_back(std::move(entry));
  }
  return list;
}

std::optional<json> ResourceRegistry::ApiResourceList(const std::string& group,
                                                      const std::string& version) const {
  json resources = json::array();
  for (const ResourceInfo& info : All()) {
    if (info.group != group || info.version != version) continue;
    json entry = {{"name", info.resource},
                  {"singularName", info.singular},
                  {"namespaced", info.namespaced},
                  {"kind", info.kind},
                  {"verbs", info.verbs}};
    if (!info.short_names.empty()) entry["shortNames"] = info.short_names;
    if (!info.categories.empty()) entry["categories"] = info.categories;
    resources.push_back(std::move(entry));
    for (const std::string& sub : info.subresources) {
      SubresourceShape shape = ShapeOf(info, sub);
      json subresource = {{"name", core::StrCat(info.resource, "/", sub)},
                          {"singularName", ""},
                          {"namespaced", info.namespaced},
                          {"kind", shape.response_kind["kind"]},
                          {"verbs", std::move(shape.verbs)}};
      // An entry names its group and version only where they differ from the list's.
      if (shape.response_kind["group"] != group || shape.response_kind["version"] != version) {
        subresource["group"] = shape.response_kind["group"];
        subresource["version"] = shape.response_kind["version"];
      }
      resources.push_back(std::move(subresource));
    }
  }
  if (resources.empty()) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group.empty() ? version : core::StrCat(group, "/", version)},
              {"resources", std::move(resources)}};
}

json ResourceRegistry::AggregatedDiscovery(bool core_group,
                                           const std::string& discovery_version) const {
  const std::vector<ResourceInfo> all = All();
  json items = json::array();
  for (const auto& [group, versions] : GroupVersions(all, core_group)) {
    json item = {{"metadata", json::object()}, {"versions", json::array()}};
    if (!group.empty()) item["metadata"]["name"] = group;
    for (const std::string& version : versions) {
      json resources = json::array();
      for (const ResourceInfo& info : all) {
        if (info.group == group && info.version == version) {
          resources.push_back(AggregatedResource(info));
        }
      }
      item["versions"].push_back(
          {{"version", version}, {"resources", std::move(resources)}, {"freshness", "Current"}});
    }
    items.push_back(std::move(item));
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", core::StrCat("apidiscovery.k8s.io/", discovery_version)},
          {"metadata", json::object()},
          {"items", std::move(items)}};
}

}  // namespace nvsx::sim
