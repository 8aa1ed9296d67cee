#include "sim/workload.h"

#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/api_error.h"
#include "sim/container_output.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

constexpr char kDaemonSetNamespace[] = "kube-system";
constexpr char kDaemonSetName[] = "nvidia-device-plugin-daemonset";
constexpr char kPodImage[] = "nvcr.io/nvidia/pytorch:24.01-py3";

const kube::ResourceRef kNamespaces{"", "v1", "namespaces", "", "", ""};

kube::ResourceRef Ref(std::string group, std::string resource, std::string namespace_name) {
  return {std::move(group), "v1", std::move(resource), std::move(namespace_name), "", ""};
}

// Creates `object` (or finds the one there) and returns it as stored.
absl::StatusOr<json> Ensure(kube::RestClient& client, const kube::ResourceRef& ref,
                            const json& object) {
  const std::string name = object["metadata"]["name"].get<std::string>();
  absl::StatusOr<json> created = client.Create(ref, object);
  if (created.ok()) return created;
  if (!kube::apierrors::IsAlreadyExists(created.status())) {
    return core::Annotate(created.status(), core::StrCat("creating ", ref.resource, " ", name));
  }
  return client.Get(ref.WithName(name));
}

json OwnerReference(const json& owner) {
  return {{"apiVersion", owner["apiVersion"]},
          {"kind", owner["kind"]},
          {"name", owner["metadata"]["name"]},
          {"uid", owner["metadata"]["uid"]},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

json Labels(const std::string& app) { return {{"app", app}, {"nvsx.io/workload", "sim"}}; }

json Container(int gpus) {
  json container = {{"name", "main"}, {"image", kPodImage}};
  if (gpus > 0) {
    const std::string count = std::to_string(gpus);
    container["resources"] = {{"requests", {{"nvidia.com/gpu", count}}},
                              {"limits", {{"nvidia.com/gpu", count}}}};
  }
  return container;
}

json PodObject(const std::string& name, const std::string& node, const json& owner,
               const json& labels, int gpus, int64_t grace) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"labels", labels},
            {"ownerReferences", json::array({OwnerReference(owner)})}}},
          {"spec",
           {{"nodeName", node},
            {"terminationGracePeriodSeconds", grace},
            {"containers", json::array({Container(gpus)})}}}};
}

// The controller a group of pods claims as owner (a ReplicaSet or DaemonSet).
json Controller(const std::string& kind, const std::string& name, const json& labels, int gpus) {
  json spec = {{"selector", {{"matchLabels", labels}}},
               {"template",
                {{"metadata", {{"labels", labels}}},
                 {"spec", {{"containers", json::array({Container(gpus)})}}}}}};
  return {{"apiVersion", "apps/v1"},
          {"kind", kind},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", std::move(spec)}};
}

absl::Status SeedDaemonSet(kube::RestClient& client, const SimClusterOptions& cluster,
                           const WorkloadOptions& options) {
  const json labels = {{"app", kDaemonSetName}};
  NVSX_ASSIGN_OR_RETURN(json daemonset,
                        Ensure(client, Ref("apps", "daemonsets", kDaemonSetNamespace),
                               Controller("DaemonSet", kDaemonSetName, labels, 0)));
  for (int index = 0; index < cluster.nodes; ++index) {
    const std::string node = SimNodeName(cluster, index);
    NVSX_RETURN_IF_ERROR(Ensure(client, Ref("", "pods", kDaemonSetNamespace),
                                PodObject(core::StrCat(kDaemonSetName, "-", node), node, daemonset,
                                          labels, 0, options.termination_grace_seconds))
                             .status());
  }
  return absl::OkStatus();
}

}  // namespace

std::string WorkloadPodName(const WorkloadOptions& options, int index) {
  if (!options.disruption_budget) return core::StrCat("training-", index);
  return index % 2 == 0 ? core::StrCat("training-", index / 2)
                        : core::StrCat("inference-", index / 2);
}

absl::Status SeedWorkload(kube::RestClient& client, const SimClusterOptions& cluster,
                          const WorkloadOptions& options) {
  if (options.pods < 0 || options.gpus_per_pod < 1) {
    return absl::InvalidArgumentError(
        "workload: pods must be >= 0 and gpus_per_pod >= 1 (each pod requests nvidia.com/gpu)");
  }
  const int per_node = cluster.gpus_per_node / options.gpus_per_pod;
  if (options.pods > cluster.nodes * per_node) {
    return absl::InvalidArgumentError(core::StrCat(
        "workload: ", options.pods, " pods of ", options.gpus_per_pod, " GPU(s) do not fit on ",
        cluster.nodes, " nodes of ", cluster.gpus_per_node, " GPUs; use fewer pods or more nodes"));
  }
  const std::string& ns = options.namespace_name;
  absl::StatusOr<json> created_namespace =
      Ensure(client, kNamespaces,
             {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  NVSX_RETURN_IF_ERROR(created_namespace.status());
  if (options.daemonset) NVSX_RETURN_IF_ERROR(SeedDaemonSet(client, cluster, options));
  if (options.pods == 0) return absl::OkStatus();

  NVSX_ASSIGN_OR_RETURN(
      json training,
      Ensure(client, Ref("apps", "replicasets", ns),
             Controller("ReplicaSet", "training", Labels("training"), options.gpus_per_pod)));
  json inference;
  if (options.disruption_budget) {
    NVSX_ASSIGN_OR_RETURN(inference, Ensure(client, Ref("apps", "replicasets", ns),
                                            Controller("ReplicaSet", "inference",
                                                       Labels("inference"), options.gpus_per_pod)));
    NVSX_RETURN_IF_ERROR(
        Ensure(client, Ref("policy", "poddisruptionbudgets", ns),
               {{"apiVersion", "policy/v1"},
                {"kind", "PodDisruptionBudget"},
                {"metadata", {{"name", "inference"}}},
                {"spec",
                 {{"maxUnavailable", 1}, {"selector", {{"matchLabels", Labels("inference")}}}}}})
            .status());
  }
  for (int index = 0; index < options.pods; ++index) {
    const std::string name = WorkloadPodName(options, index);
    const bool guarded = name.starts_with("inference-");
    const std::string node = SimNodeName(cluster, index % cluster.nodes);
    const std::string app = guarded ? "inference" : "training";
    json pod = PodObject(name, node, guarded ? inference : training, Labels(app),
                         options.gpus_per_pod, options.termination_grace_seconds);
    // What its container prints (container_output.h): training steps, or a model server's status.
    pod["metadata"]["annotations"] = {{std::string(kProgramAnnotation), app}};
    NVSX_RETURN_IF_ERROR(Ensure(client, Ref("", "pods", ns), pod).status());
  }
  return absl::OkStatus();
}

}  // namespace nvsx::sim
