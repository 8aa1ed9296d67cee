#pragma once

// Kubernetes objects as a real GPU cluster shows them (managedFields,
// conditions, images, containers), for tests and benchmarks that need
// realistic sizes and shapes.

#include <string>

#include "nlohmann/json.hpp"

namespace nvsx::test {

using nlohmann::json;

inline std::string Num(int i, int width = 5) {
  std::string s = std::to_string(i);
  return std::string(width > static_cast<int>(s.size()) ? width - s.size() : 0, '0') + s;
}

inline json Condition(const std::string& type, const std::string& status,
                      const std::string& reason) {
  return {{"type", type},
          {"status", status},
          {"lastHeartbeatTime", "2026-11-23T10:15:00Z"},
          {"lastTransitionTime", "2026-11-20T08:01:12Z"},
          {"reason", reason},
          {"message", "kubelet has sufficient " + type + " available"}};
}

inline json ManagedFields(const std::string& manager) {
  return json::array({{{"manager", manager},
                       {"operation", "Update"},
                       {"apiVersion", "v1"},
                       {"time", "2026-11-20T08:01:12Z"},
                       {"fieldsType", "FieldsV1"},
                       {"fieldsV1",
                        {{"f:metadata", {{"f:labels", {{".", json::object()}}}}},
                         {"f:status", {{"f:conditions", json::object()}}}}}}});
}

// A GPU node as a real cluster shows it (trimmed image list).
inline json Node(int i, int rv = 0) {
  const std::string name = "gpu-node-" + Num(i);
  json images = json::array();
  for (int k = 0; k < 4; ++k) {
    images.push_back({{"names",
                       {"nvcr.io/nvidia/cuda@sha256:" + std::string(64, 'a' + k),
                        "nvcr.io/nvidia/cuda:12." + std::to_string(k)}},
                      {"sizeBytes", 4123456789 + k}});
  }
  json node = {{"apiVersion", "v1"},
               {"kind", "Node"},
               {"metadata",
                {{"name", name},
                 {"uid", "5c2f9a1e-1b7d-4c1a-9f3e-" + Num(i, 12)},
                 {"creationTimestamp", "2026-11-20T08:00:00Z"},
                 {"labels",
                  {{"kubernetes.io/hostname", name},
                   {"kubernetes.io/os", "linux"},
                   {"kubernetes.io/arch", "amd64"},
                   {"node.kubernetes.io/instance-type", "p5.48xlarge"},
                   {"topology.kubernetes.io/zone", "us-east-1" + std::string(1, 'a' + i % 4)},
                   {"nvidia.com/gpu.present", "true"},
                   {"nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"},
                   {"nvidia.com/gpu.count", "8"},
                   {"pool", "train-" + std::to_string(i % 8)}}},
                 {"annotations",
                  {{"node.alpha.kubernetes.io/ttl", "0"},
                   {"volumes.kubernetes.io/controller-managed-attach-detach", "true"}}},
                 {"managedFields", ManagedFields("kubelet")}}},
               {"spec",
                {{"podCIDR", "10.244." + std::to_string(i % 250) + ".0/24"},
                 {"providerID", "aws:///us-east-1a/i-0" + Num(i, 16)}}},
               {"status",
                {{"capacity",
                  {{"cpu", "192"},
                   {"memory", "2097152000Ki"},
                   {"pods", "110"},
                   {"nvidia.com/gpu", "8"},
                   {"ephemeral-storage", "7810410Mi"}}},
                 {"allocatable",
                  {{"cpu", "191500m"},
                   {"memory", "2090000000Ki"},
                   {"pods", "110"},
                   {"nvidia.com/gpu", "8"},
                   {"ephemeral-storage", "7200000Mi"}}},
                 {"conditions",
                  {Condition("MemoryPressure", "False", "KubeletHasSufficientMemory"),
                   Condition("DiskPressure", "False", "KubeletHasNoDiskPressure"),
                   Condition("PIDPressure", "False", "KubeletHasSufficientPID"),
                   Condition("Ready", "True", "KubeletReady")}},
                 {"addresses",
                  {{{"type", "InternalIP"}, {"address", "10.0." + std::to_string(i % 250) + ".7"}},
                   {{"type", "Hostname"}, {"address", name}}}},
                 {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", 10250}}}}},
                 {"nodeInfo",
                  {{"machineID", std::string(32, 'f')},
                   {"systemUUID", "ec2" + std::string(29, '1')},
                   {"bootID", "0f0e" + std::string(32, '2')},
                   {"kernelVersion", "6.1.0-18-cloud-amd64"},
                   {"osImage", "Debian GNU/Linux 12 (bookworm)"},
                   {"containerRuntimeVersion", "containerd://1.7.13"},
                   {"kubeletVersion", "v1.30.2"},
                   {"kubeProxyVersion", "v1.30.2"},
                   {"operatingSystem", "linux"},
                   {"architecture", "amd64"}}},
                 {"images", images}}}};
  if (rv > 0) node["metadata"]["resourceVersion"] = std::to_string(rv);
  return node;
}

inline json Container(const std::string& name, int i) {
  return {{"name", name},
          {"image", "nvcr.io/nvidia/pytorch:24.05-py3"},
          {"command", {"python", "-m", "train"}},
          {"ports", {{{"containerPort", 8080 + i % 3}, {"protocol", "TCP"}}}},
          {"env",
           {{{"name", "RANK"}, {"value", std::to_string(i % 64)}},
            {{"name", "WORLD_SIZE"}, {"value", "64"}},
            {{"name", "NCCL_DEBUG"}, {"value", "WARN"}}}},
          {"resources",
           {{"limits", {{"nvidia.com/gpu", "1"}, {"memory", "64Gi"}}},
            {"requests", {{"cpu", "8"}, {"memory", "64Gi"}, {"nvidia.com/gpu", "1"}}}}},
          {"volumeMounts",
           {{{"name", "data"}, {"mountPath", "/data"}},
            {{"name", "kube-api-access"},
             {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"},
             {"readOnly", true}}}},
          {"imagePullPolicy", "IfNotPresent"}};
}

inline json ContainerStatus(const std::string& name) {
  return {{"name", name},
          {"ready", true},
          {"restartCount", 0},
          {"image", "nvcr.io/nvidia/pytorch:24.05-py3"},
          {"imageID", "nvcr.io/nvidia/pytorch@sha256:" + std::string(64, 'c')},
          {"containerID", "containerd://" + std::string(64, 'd')},
          {"started", true},
          {"state", {{"running", {{"startedAt", "2026-11-21T09:00:03Z"}}}}}};
}

// A training pod with two containers, bound to a node.
inline json Pod(int i, int nodes) {
  const std::string job = "train-job-" + Num(i / 64, 4);
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", job + "-worker-" + Num(i % 64, 2)},
            {"generateName", job + "-worker-"},
            {"namespace", "team-" + std::to_string(i % 20)},
            {"uid", "9b1d2c3e-aaaa-4bbb-8ccc-" + Num(i, 12)},
            {"creationTimestamp", "2026-11-21T09:00:00Z"},
            {"labels",
             {{"app", "trainer"},
              {"job-name", job},
              {"batch.kubernetes.io/controller-uid", "0d9e8f7a-" + Num(i / 64, 8)},
              {"role", "worker"}}},
            {"annotations", {{"kubectl.kubernetes.io/default-container", "trainer"}}},
            {"ownerReferences",
             {{{"apiVersion", "batch/v1"},
               {"kind", "Job"},
               {"name", job},
               {"uid", "0d9e8f7a-1111-4222-8333-" + Num(i / 64, 12)},
               {"controller", true},
               {"blockOwnerDeletion", true}}}},
            {"managedFields", ManagedFields("kube-controller-manager")}}},
          {"spec",
           {{"nodeName", "gpu-node-" + Num(i % nodes)},
            {"containers", {Container("trainer", i), Container("sidecar", i)}},
            {"volumes",
             {{{"name", "data"}, {"persistentVolumeClaim", {{"claimName", "datasets"}}}},
              {{"name", "kube-api-access"},
               {"projected", {{"defaultMode", 420}, {"sources", json::array()}}}}}},
            {"tolerations",
             {{{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}},
              {{"key", "node.kubernetes.io/not-ready"},
               {"operator", "Exists"},
               {"effect", "NoExecute"},
               {"tolerationSeconds", 300}}}},
            {"restartPolicy", "Never"},
            {"serviceAccountName", "trainer"},
            {"schedulerName", "default-scheduler"},
            {"priority", 0},
            {"dnsPolicy", "ClusterFirst"},
            {"terminationGracePeriodSeconds", 30}}},
          {"status",
           {{"phase", "Running"},
            {"conditions",
             {{{"type", "Initialized"}, {"status", "True"}},
              {{"type", "Ready"}, {"status", "True"}},
              {{"type", "ContainersReady"}, {"status", "True"}},
              {{"type", "PodScheduled"}, {"status", "True"}}}},
            {"hostIP", "10.0." + std::to_string(i % 250) + ".7"},
            {"podIP", "10.244." + std::to_string(i % 250) + "." + std::to_string(i % 200)},
            {"startTime", "2026-11-21T09:00:01Z"},
            {"qosClass", "Burstable"},
            {"containerStatuses", {ContainerStatus("trainer"), ContainerStatus("sidecar")}}}}};
}

}  // namespace nvsx::test
