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
#include "test_support/kube_objects.h"

namespace {

using nlohmann::json;
using namespace nvsx;
using test::Node;
using test::Pod;

// Best of three passes of `stream` through a WatchDecoder, in 16 KiB
// chunks as curl hands a body over: events/s, or 0 when it failed.
double DecodeRate(const std::string& stream, int events,
                  const std::shared_ptr<const core::JsonProjection>& projection) {
  constexpr size_t kChunk = 16 * 1024;
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    kube::WatchDecoder decoder(kube::WatchDecoder::kDefaultMaxEventBytes, projection);
    std::vector<kube::WatchEvent> out;
    size_t decoded = 0;
    absl::Time start = absl::Now();
    for (size_t at = 0; at < stream.size(); at += kChunk) {
      out.clear();
      if (!decoder.Feed(std::string_view(stream).substr(at, kChunk), &out).ok()) return 0;
      decoded += out.size();
    }
    out.clear();
    double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (decoded != static_cast<size_t>(events)) return 0;
    best = std::max(best, static_cast<double>(decoded) / seconds);
  }
  return best;
}

// The controller's Node cache view (controller/shared_informers.cc).
kube::Transform ControllerNodeView() {
  return *kube::KeepFields({"/metadata/labels", "/metadata/annotations", "/spec/unschedulable",
                            "/spec/taints", "/status/conditions"});
}

void DecodeThroughput(int events) {
  std::string stream;
  for (int i = 0; i < events; ++i) {
    stream += json{{"type", "MODIFIED"}, {"object", Node(i % 5000, 1000 + i)}}.dump();
    stream += '\n';
  }
  const size_t event_bytes = stream.size() / static_cast<size_t>(events);
  std::printf("watch decode, %d MODIFIED Node events of %zu bytes, 16 KiB chunks, one core:\n",
              events, event_bytes);
  struct Variant {
    const char* name;
    kube::Transform transform;
  };
  const std::vector<Variant> variants = {
      {"whole objects (WatchDecoder alone)", {}},
      {"informer, managedFields dropped", kube::StripManagedFields},
      {"informer, the controller's Node view", ControllerNodeView()},
  };
  for (const Variant& variant : variants) {
    const double rate = DecodeRate(stream, events, variant.transform.projection());
    if (rate == 0) {
      std::printf("  %-38s FAILED\n", variant.name);
      continue;
    }
    std::printf("  %-38s %7.0f events/s (%4.0f MB/s)\n", variant.name, rate,
                rate * static_cast<double>(event_bytes) / 1e6);
  }
  // For comparison: nlohmann::json::parse, line by line with nothing else.
  absl::Time start = absl::Now();
  size_t parsed = 0;
  for (size_t at = 0; at < stream.size();) {
    size_t end = stream.find('\n', at);
    parsed +=
        !json::parse(std::string_view(stream).substr(at, end - at), nullptr, false).is_discarded();
    at = end + 1;
  }
  std::printf("  %-38s %7.0f events/s\n", "(nlohmann::json::parse alone)",
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
  auto drain_node_fields = ControllerNodeView();
  auto drain_pod_fields = nvsx::controller::PodDrainView({});
  struct Variant {
    const char* name;
    kube::Transform node_transform;
    kube::Transform pod_transform;
  };
  const std::vector<Variant> variants = {
      {"whole objects", {}, {}},
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
