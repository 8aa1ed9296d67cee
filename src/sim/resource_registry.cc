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

nlohmann::json ResourceRegistry::ApiGroupList() const {
  // Group -> versions in the order first seen (a CRD lists its preferred version first).
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const ResourceInfo& info : All()) {
    if (info.group.empty()) continue;
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
  nlohmann::json list = {
      {"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", nlohmann::json::array()}};
  for (const auto& [group, versions] : groups) {
    nlohmann::json entry = {{"name", group}, {"versions", nlohmann::json::array()}};
    for (const std::string& version : versions) {
      entry["versions"].push_back(
          {{"groupVersion", core::StrCat(group, "/", version)}, {"version", version}});
    }
    entry["preferredVersion"] = entry["versions"][0];
    list["groups"].push_back(std::move(entry));
  }
  return list;
}

std::optional<nlohmann::json> ResourceRegistry::ApiResourceList(const std::string& group,
                                                                const std::string& version) const {
  nlohmann::json resources = nlohmann::json::array();
  for (const ResourceInfo& info : All()) {
    if (info.group != group || info.version != version) continue;
    nlohmann::json entry = {{"name", info.resource},
                            {"singularName", info.singular},
                            {"namespaced", info.namespaced},
                            {"kind", info.kind},
                            {"verbs", info.verbs}};
    if (!info.short_names.empty()) entry["shortNames"] = info.short_names;
    if (!info.categories.empty()) entry["categories"] = info.categories;
    resources.push_back(std::move(entry));
    for (const std::string& sub : info.subresources) {
      nlohmann::json subresource = {{"name", core::StrCat(info.resource, "/", sub)},
                                    {"singularName", ""},
                                    {"namespaced", info.namespaced},
                                    {"kind", info.kind},
                                    {"verbs", {"get", "patch", "update"}}};
      if (sub == "eviction") {
        subresource["group"] = "policy";
        subresource["version"] = "v1";
        subresource["kind"] = "Eviction";
        subresource["verbs"] = {"create"};
      }
      if (sub == "log") subresource["verbs"] = {"get"};
      resources.push_back(std::move(subresource));
    }
  }
  if (resources.empty()) return std::nullopt;
  return nlohmann::json{
      {"kind", "APIResourceList"},
      {"apiVersion", "v1"},
      {"groupVersion", group.empty() ? version : core::StrCat(group, "/", version)},
      {"resources", std::move(resources)}};
}

}  // namespace nvsx::sim
