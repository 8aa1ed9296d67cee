#include "sim/sim_cluster.h"

#include "core/status_macros.h"
#include "core/str_cat.h"
#include "core/time_format.h"
#include "core/yaml_load.h"
#include "kube/api_error.h"
#include "sim/embedded_crds.h"

namespace nvsx::sim {
namespace {

const kube::ResourceRef kCrds{
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "", "", ""};
const kube::ResourceRef kNamespaces{"", "v1", "namespaces", "", "", ""};
const kube::ResourceRef kNodes{"", "v1", "nodes", "", "", ""};

// Creates `object`; one that exists already is fine.
absl::Status CreateIfAbsent(kube::RestClient& client, const kube::ResourceRef& ref,
                            const nlohmann::json& object) {
  auto created = client.Create(ref, object);
  if (created.ok() || kube::apierrors::IsAlreadyExists(created.status())) return absl::OkStatus();
  return core::Annotate(
      created.status(),
      core::StrCat("creating ", ref.resource, " ", object["metadata"]["name"].get<std::string>()));
}

nlohmann::json NodeObject(const SimClusterOptions& options, int index) {
  const std::string name = SimNodeName(options, index);
  const std::string gpus = std::to_string(options.gpus_per_node);
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"labels",
             {{"kubernetes.io/hostname", name},
              {"kubernetes.io/os", "linux"},
              {"nvidia.com/gpu.present", "true"},
              {"nvidia.com/gpu.product", options.gpu_product},
              {"nvidia.com/gpu.count", gpus},
              {"nvsx.io/pool", "gpu-pool-a"},
              {"nvsx.io/rack", core::StrCat("rack-", index / options.nodes_per_rack)}}}}},
          {"spec", {{"providerID", core::StrCat("sim://", name)}}}};
}

nlohmann::json NodeStatus(const SimClusterOptions& options, absl::Time now) {
  const std::string gpus = std::to_string(options.gpus_per_node);
  const nlohmann::json resources = {
      {"cpu", "96"}, {"memory", "1056Gi"}, {"pods", "110"}, {"nvidia.com/gpu", gpus}};
  const std::string stamp = core::FormatTimestamp(now);
  return {{"capacity", resources},
          {"allocatable", resources},
          {"conditions",
           {{{"type", "Ready"},
             {"status", "True"},
             {"reason", "KubeletReady"},
             {"message", "kubelet is posting ready status (simulated)"},
             {"lastHeartbeatTime", stamp},
             {"lastTransitionTime", stamp}}}},
          {"nodeInfo",
           {{"kubeletVersion", "v1.32.0-nvsx-sim"},
            {"osImage", "nvsx simulated node"},
            {"architecture", "amd64"},
            {"operatingSystem", "linux"},
            {"containerRuntimeVersion", "sim://1"}}}};
}

}  // namespace

std::string SimNodeName(const SimClusterOptions& options, int index) {
  return core::StrCat(options.node_prefix, index);
}

absl::Status SeedSimCluster(kube::RestClient& client, const SimClusterOptions& options,
                            absl::Time now) {
  for (const EmbeddedFile& file : EmbeddedCrds()) {
    NVSX_ASSIGN_OR_RETURN(YAML::Node document, core::ParseYaml(file.contents, file.name));
    NVSX_RETURN_IF_ERROR(CreateIfAbsent(client, kCrds, core::YamlToJson(document)));
  }
  NVSX_RETURN_IF_ERROR(CreateIfAbsent(
      client, kNamespaces,
      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "nvsentinel"}}}}));
  for (int index = 0; index < options.nodes; ++index) {
    NVSX_RETURN_IF_ERROR(CreateIfAbsent(client, kNodes, NodeObject(options, index)));
    const kube::ResourceRef node_ref = kNodes.WithName(SimNodeName(options, index));
    NVSX_ASSIGN_OR_RETURN(nlohmann::json node, client.Get(node_ref));
    if (node.contains("status") && node["status"].contains("capacity")) continue;
    node["status"] = NodeStatus(options, now);
    NVSX_RETURN_IF_ERROR(client.Update(node_ref.WithSubresource("status"), node).status());
  }
  return absl::OkStatus();
}

}  // namespace nvsx::sim
