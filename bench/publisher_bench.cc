// Figures for the publisher (issue 6), printed, not asserted: the time from
// an XID injected into a simulated GPU to its HealthEvent being seen by a
// watch on the API server, through the production path (health provider ->
// device API over gRPC -> publisher -> embedded API server), p50/p99 over
// many injections (goal < 100 ms); and the same for recovery (clear ->
// isHealthy), which waits for the provider's next sample. Rate limits are
// lifted so the figures are the pipeline's, not the pacing's.
// Run: build/bin/publisher_bench [injections]

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "kube/cancel_token.h"
#include "kube/rest_client.h"
#include "publisher/health_event_spec.h"
#include "sim/api_server.h"
#include "sim/sim_cluster.h"
#include "sim_nodes/node_pipeline.h"

namespace {

using nvsx::core::SystemClock;

constexpr int kGpus = 8;

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

// What the watch saw last for each GPU index: an open event, or a healthy one.
class Sightings {
 public:
  // Keeps the time a GPU's state was first seen, not later updates in it.
  void Record(int gpu, bool healthy, absl::Time when) {
    std::lock_guard lock(mu_);
    auto it = seen_.find(gpu);
    if (it != seen_.end() && it->second.first == healthy) return;
    seen_[gpu] = {healthy, when};
    cv_.notify_all();
  }
  // Waits until GPU `gpu` was last seen in state `healthy` after `since`.
  absl::Time WaitFor(int gpu, bool healthy, absl::Time since) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] {
      auto it = seen_.find(gpu);
      return it != seen_.end() && it->second.first == healthy && it->second.second >= since;
    });
    return seen_[gpu].second;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int, std::pair<bool, absl::Time>> seen_;
};

void Print(const char* what, const std::vector<double>& ms) {
  std::printf("%-34s n=%zu p50 %.1f ms  p99 %.1f ms  max %.1f ms\n", what, ms.size(),
              Percentile(ms, 0.5), Percentile(ms, 0.99), Percentile(ms, 1.0));
}

}  // namespace

int main(int argc, char** argv) {
  const int injections = argc > 1 ? std::atoi(argv[1]) : 100;
  SystemClock clock;
  nvsx::sim::ApiServer api(&clock, nvsx::sim::ApiServerOptions{});
  if (!api.Start().ok()) return 1;
  nvsx::kube::RestConfig config;
  config.server = api.url();
  auto client =
      nvsx::kube::RestClient::New(config, nvsx::kube::RestClientOptions{.clock = &clock, .qps = 0});
  if (!client.ok() ||
      !nvsx::sim::SeedSimCluster(**client, nvsx::sim::SimClusterOptions{.nodes = 1}, clock.Now())
           .ok()) {
    return 1;
  }

  char dir[] = "/tmp/nvsx-bench-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return 1;
  nvsx::sim_nodes::NodePipelineOptions options;
  options.node_name = "gpu-node-0";
  options.gpu_count = kGpus;
  options.socket_path = std::string(dir) + "/device.sock";
  options.api_server = config;
  options.provider.sample_interval = absl::Milliseconds(20);
  // Each round writes every GPU twice (open, heal); keep the per-GPU flood
  // limit out of the figures.
  options.publisher.gpu_writes_per_second = 100;
  options.publisher.gpu_write_burst = 100;
  // Likewise the client's own pacing (20 requests/s after a burst of 50, as
  // the sim runs it): back to back rounds would measure the limiter.
  options.client.qps = 0;
  const nvsx::health::XidCatalog catalog = nvsx::health::XidCatalog::Default();
  auto node = nvsx::sim_nodes::NodePipeline::Start(options, &clock, &catalog,
                                                   nvsx::core::Logger::Discard());
  if (!node.ok()) {
    std::fprintf(stderr, "%s\n", std::string(node.status().message()).c_str());
    return 1;
  }

  Sightings sightings;
  nvsx::kube::CancelToken cancel;
  std::thread watcher([&] {
    nvsx::kube::WatchOptions watch;
    watch.cancel = &cancel;
    while (!cancel.cancelled()) {
      (void)(*client)->Watch(
          nvsx::publisher::HealthEventsResource(), watch, [&](const nvsx::kube::WatchEvent& event) {
            const nlohmann::json spec = event.object.value("spec", nlohmann::json::object());
            if (!spec.contains("entitiesImpacted")) return true;
            const int gpu =
                std::stoi(spec["entitiesImpacted"][0]["entityValue"].get<std::string>());
            sightings.Record(gpu, spec.value("isHealthy", false), clock.Now());
            return true;
          });
    }
  });
  absl::SleepFor(absl::Milliseconds(500));  // provider registered, publisher listing done

  std::vector<double> publish_ms;
  std::vector<double> recover_ms;
  for (int i = 0; i < injections; ++i) {
    const int gpu = i % kGpus;
    const absl::Time injected = clock.Now();
    if (!(*node)->gpus().InjectXid(gpu, 79).ok()) return 1;
    publish_ms.push_back(
        absl::ToDoubleMilliseconds(sightings.WaitFor(gpu, false, injected) - injected));
    const absl::Time cleared = clock.Now();
    if (!(*node)->gpus().Clear(gpu).ok()) return 1;
    recover_ms.push_back(
        absl::ToDoubleMilliseconds(sightings.WaitFor(gpu, true, cleared) - cleared));
  }
  Print("XID 79 -> HealthEvent seen by watch", publish_ms);
  Print("clear -> isHealthy seen by watch", recover_ms);
  std::printf("(recovery includes up to one provider sample interval: 20 ms here)\n");

  cancel.Cancel();
  watcher.join();
  (*node)->Stop();
  client->reset();
  api.Stop();
  std::string remove = std::string("rm -rf ") + dir;
  return std::system(remove.c_str()) == 0 ? 0 : 1;
}
