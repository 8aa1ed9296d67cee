// Figures for the Kubernetes client's watch and informer (issue 4), printed,
// not asserted:
//   watch event decode throughput on one core (goal >= 50,000 Node events/s),
//   informer cache memory for 1,000 nodes + 10,000 pods and for 5,000 nodes
//   + 50,000 pods (goal < 30 MB for the latter).
// The API server runs in a child process, so the parent's heap holds only
// the client side. Run: build/bin/kube_bench [--quick]

#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "controller/drain_plan.h"
#include "core/clock.h"
#include "kube/informer.h"
#include "kube/object_transform.h"
#include "kube/rest_client.h"
#include "kube/watch_decoder.h"
#include "nlohmann/json.hpp"
#include "sim/api_server.h"

namespace {

using nlohmann::json;
using namespace nvsx;

std::string Num(int i, int width = 5) {
  std::string s = std::to_string(i);
  return std::string(width > static_cast<int>(s.size()) ? width - s.size() : 0, '0') + s;
}

json Condition(const std::string& type, const std::string& status, const std::string& reason) {
  return {{"type", type},
          {"status", status},
          {"lastHeartbeatTime", "2026-11-23T10:15:00Z"},
          {"lastTransitionTime", "2026-11-20T08:01:12Z"},
          {"reason", reason},
          {"message", "kubelet has sufficient " + type + " available"}};
}

json ManagedFields(const std::string& manager) {
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
json Node(int i, int rv = 0) {
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

json Container(const std::string& name, int i) {
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

json ContainerStatus(const std::string& name) {
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
json Pod(int i, int nodes) {
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

void DecodeThroughput(int events) {
  std::string stream;
  for (int i = 0; i < events; ++i) {
    stream += json{{"type", "MODIFIED"}, {"object", Node(i % 5000, 1000 + i)}}.dump();
    stream += '\n';
  }
  constexpr size_t kChunk = 16 * 1024;  // as curl hands a body over
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    nvsx::kube::WatchDecoder decoder;
    std::vector<nvsx::kube::WatchEvent> out;
    size_t decoded = 0;
    absl::Time start = absl::Now();
    for (size_t at = 0; at < stream.size(); at += kChunk) {
      out.clear();
      if (!decoder.Feed(std::string_view(stream).substr(at, kChunk), &out).ok()) return;
      decoded += out.size();
    }
    double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (decoded != static_cast<size_t>(events)) std::printf("decoded only %zu\n", decoded);
    best = std::max(best, static_cast<double>(decoded) / seconds);
  }
  std::printf(
      "watch decode: %d Node events of %zu bytes each: %.0f events/s (%.0f MB/s), one core\n",
      events, stream.size() / events, best, best * (stream.size() / events) / 1e6);
  // The share of that spent in nlohmann::json::parse itself: the same events
  // parsed line by line with nothing else.
  absl::Time start = absl::Now();
  size_t parsed = 0;
  for (size_t at = 0; at < stream.size();) {
    size_t end = stream.find('\n', at);
    parsed +=
        !json::parse(std::string_view(stream).substr(at, end - at), nullptr, false).is_discarded();
    at = end + 1;
  }
  std::printf("  nlohmann::json::parse alone, same events: %.0f events/s\n",
              static_cast<double>(parsed) / absl::ToDoubleSeconds(absl::Now() - start));
}

size_t HeapInUse() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Runs an API server holding `nodes` nodes and `pods` pods in a child
// process; returns its port and pid. The child exits when `*release` closes.
int StartServerProcess(int nodes, int pods, pid_t* child, int* release) {
  int port_pipe[2], release_pipe[2];
  if (pipe(port_pipe) != 0 || pipe(release_pipe) != 0) return -1;
  *child = fork();
  if (*child == 0) {
    close(port_pipe[0]);
    close(release_pipe[1]);
    core::SystemClock clock;
    sim::ApiServerOptions options;
    options.max_body_bytes = 64 << 20;
    sim::ApiServer server(&clock, options);
    sim::ResourceInfo node_info = *server.registry().Find("", "v1", "nodes");
    sim::ResourceInfo pod_info = *server.registry().Find("", "v1", "pods");
    sim::ResourceInfo ns_info = *server.registry().Find("", "v1", "namespaces");
    for (int i = 0; i < 20; ++i) {
      (void)server.store().Create(ns_info, "",
                                  {{"metadata", {{"name", "team-" + std::to_string(i)}}}});
    }
    for (int i = 0; i < nodes; ++i) (void)server.store().Create(node_info, "", Node(i));
    for (int i = 0; i < pods; ++i) {
      json pod = Pod(i, nodes);
      std::string ns = pod["metadata"]["namespace"];
      (void)server.store().Create(pod_info, ns, std::move(pod));
    }
    if (!server.Start().ok()) _exit(1);
    int port = server.port();
    if (write(port_pipe[1], &port, sizeof port) != sizeof port) _exit(1);
    char byte;
    while (read(release_pipe[0], &byte, 1) > 0) {
    }
    server.Stop();
    _exit(0);
  }
  close(port_pipe[1]);
  close(release_pipe[0]);
  *release = release_pipe[1];
  int port = -1;
  if (read(port_pipe[0], &port, sizeof port) != sizeof port) port = -1;
  close(port_pipe[0]);
  return port;
}

struct CacheFigures {
  size_t objects = 0;
  size_t heap = 0;
  size_t encoded = 0;
};

CacheFigures Fill(kube::RestClient* client, core::WaitableClock* clock, const std::string& resource,
                  const kube::Transform& transform, bool indexed) {
  kube::InformerOptions options;
  options.reflector.resource = {"", "v1", resource, "", "", ""};
  options.transform = transform;
  if (indexed) {
    options.indexers = {{kube::kNamespaceIndex, kube::IndexByNamespace},
                        {kube::kNodeNameIndex, kube::IndexByNodeName}};
  }
  auto informer = std::make_unique<kube::Informer>(client, clock, options);
  size_t before = HeapInUse();
  informer->Start();
  if (!informer->WaitForCacheSync(absl::Minutes(10)))
    std::printf("  %s: no sync\n", resource.c_str());
  informer->Stop();  // the cache stays; the threads and their buffers go
  CacheFigures figures;
  figures.heap = HeapInUse() - before;
  figures.objects = informer->cache().size();
  for (const auto& object : informer->cache().Snapshot())
    figures.encoded += object->encoded_bytes();
  // Keep the informer alive until measured; release it now.
  informer.reset();
  return figures;
}

void InformerMemory(int nodes, int pods) {
  pid_t child = 0;
  int release = -1;
  int port = StartServerProcess(nodes, pods, &child, &release);
  if (port <= 0) {
    std::printf("could not start the API server process\n");
    return;
  }
  core::SystemClock clock;
  kube::RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  kube::RestClientOptions client_options;
  client_options.clock = &clock;
  client_options.qps = 0;
  client_options.timeout = absl::Minutes(2);
  auto client = *kube::RestClient::New(config, client_options);

  auto node_fields =
      *kube::KeepFields({"/metadata/labels", "/metadata/annotations", "/spec/unschedulable",
                         "/spec/taints", "/status/conditions", "/status/allocatable"});
  auto pod_fields =
      *kube::KeepFields({"/metadata/labels", "/metadata/ownerReferences",
                         "/metadata/deletionTimestamp", "/spec/nodeName", "/status/phase"});
  // What the controller caches: of a node, labels, annotations, the cordon,
  // taints and conditions (controller/shared_informers.cc); of a pod, what a
  // drain reads (controller::PodDrainView, with no label rules).
  auto drain_node_fields =
      *kube::KeepFields({"/metadata/labels", "/metadata/annotations", "/spec/unschedulable",
                         "/spec/taints", "/status/conditions"});
  auto drain_pod_fields = nvsx::controller::PodDrainView({});
  struct Variant {
    const char* name;
    kube::Transform node_transform;
    kube::Transform pod_transform;
  };
  const std::vector<Variant> variants = {
      {"whole objects", nullptr, nullptr},
      {"managedFields dropped", kube::StripManagedFields, kube::StripManagedFields},
      {"KeepFields (controller view)", node_fields, pod_fields},
      {"the controller's caches", drain_node_fields, drain_pod_fields},
  };
  std::printf("informer cache, %d nodes + %d pods (namespace and node-name indexes):\n", nodes,
              pods);
  for (const Variant& variant : variants) {
    size_t rss_before = ResidentBytes();
    absl::Time start = absl::Now();
    CacheFigures node_figures = Fill(client.get(), &clock, "nodes", variant.node_transform, true);
    CacheFigures pod_figures = Fill(client.get(), &clock, "pods", variant.pod_transform, true);
    double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    double rss_growth =
        (static_cast<double>(ResidentBytes()) - static_cast<double>(rss_before)) / 1e6;
    std::printf(
        "  %-30s %6zu nodes %5.1f MB (CBOR %5.1f MB), %6zu pods %6.1f MB (CBOR %5.1f MB): "
        "total %6.1f MB, %.0f B/object; list+sync %.1f s; RSS %+.0f MB\n",
        variant.name, node_figures.objects, node_figures.heap / 1e6, node_figures.encoded / 1e6,
        pod_figures.objects, pod_figures.heap / 1e6, pod_figures.encoded / 1e6,
        (node_figures.heap + pod_figures.heap) / 1e6,
        static_cast<double>(node_figures.heap + pod_figures.heap) /
            static_cast<double>(node_figures.objects + pod_figures.objects),
        seconds, rss_growth);
  }
  // What the same pods would cost held as nlohmann::json, for comparison.
  {
    size_t before = HeapInUse();
    std::vector<json> decoded;
    for (int i = 0; i < 1000; ++i) decoded.push_back(Pod(i, nodes));
    size_t per_pod = (HeapInUse() - before) / 1000;
    std::printf(
        "  (for comparison: one such pod held as nlohmann::json takes %zu bytes, %zu as "
        "JSON text)\n",
        per_pod, Pod(0, nodes).dump().size());
  }
  close(release);
  waitpid(child, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  DecodeThroughput(quick ? 2000 : 20000);
  InformerMemory(1000, 10000);
  if (!quick) InformerMemory(5000, 50000);
  return 0;
}
