// Figures for the embedded API server (issue 3), printed, not asserted:
//   list of 5,000 nodes over HTTP (goal < 50 ms),
//   one update seen by 1,000 watchers (goal p99 < 50 ms),
//   sustained writes per second over HTTP (goal 5,000/s on 2 cores).
// Run: build/bin/sim_api_bench

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "core/clock.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sim/api_server.h"

namespace {

using nlohmann::json;
using nvsx::sim::ApiServer;

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

json Node(int i) {
  return {
      {"metadata",
       {{"name", "gpu-node-" + std::to_string(i)},
        {"labels", {{"nvidia.com/gpu.present", "true"}, {"pool", "p" + std::to_string(i % 8)}}}}},
      {"spec", json::object()},
      {"status",
       {{"capacity", {{"nvidia.com/gpu", "8"}, {"cpu", "128"}}},
        {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

void ListNodes(ApiServer& server) {
  nvsx::sim::ResourceInfo nodes = *server.registry().Find("", "v1", "nodes");
  for (int i = 0; i < 5000; ++i) (void)server.store().Create(nodes, "", Node(i));
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(30, 0);
  for (const char* accept : {"application/json", "application/json;as=Table;v=v1;g=meta.k8s.io"}) {
    std::vector<double> ms;
    size_t bytes = 0;
    for (int round = 0; round < 20; ++round) {
      absl::Time start = absl::Now();
      auto result =
          client.Get("/api/v1/nodes", {{"Accept", accept}, {"Accept-Encoding", "identity"}});
      ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
      if (result) bytes = result->body.size();
    }
    std::printf("list 5000 nodes (%s): p50 %.1f ms, p99 %.1f ms, %zu bytes\n",
                std::string(accept).find("Table") != std::string::npos ? "Table" : "JSON",
                Percentile(ms, 0.5), Percentile(ms, 0.99), bytes);
  }
}

void FanOut(ApiServer& server) {
  nvsx::sim::ResourceInfo nodes = *server.registry().Find("", "v1", "nodes");
  constexpr int kWatchers = 1000;
  std::vector<std::shared_ptr<nvsx::sim::WatchStream>> streams;
  const std::string from = server.store().CurrentResourceVersion();
  for (int i = 0; i < kWatchers; ++i) {
    streams.push_back(*server.store().Watch({.group_resource = "nodes"}, from));
  }
  std::vector<double> latency(kWatchers);
  std::atomic<int64_t> start_nanos{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWatchers; ++i) {
    threads.emplace_back([&, i] {
      if (streams[i]->Next(absl::Seconds(30)).has_value()) {
        latency[i] = static_cast<double>(absl::GetCurrentTimeNanos() - start_nanos.load()) / 1e6;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  json node = *server.store().Get(nodes, "", "gpu-node-0");
  node["spec"]["unschedulable"] = true;
  start_nanos = absl::GetCurrentTimeNanos();
  (void)server.store().Update(nodes, "", "gpu-node-0", node, nvsx::sim::Subresource::kMain);
  for (std::thread& thread : threads) thread.join();
  std::printf("one update, %d store watchers: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", kWatchers,
              Percentile(latency, 0.5), Percentile(latency, 0.99), Percentile(latency, 1.0));
}

void Writes(ApiServer& server, const char* label) {
  constexpr int kClients = 4;
  const absl::Duration run = absl::Seconds(3);
  std::atomic<int64_t> done{0};
  std::vector<std::thread> threads;
  const absl::Time end = absl::Now() + run;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", server.port());
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      int i = 0;
      while (absl::Now() < end) {
        std::string body = json{
            {"metadata", {{"name", "w" + std::to_string(c) + "-" + std::to_string(i++)}}},
            {"data",
             {{"k", "v"}}}}.dump();
        auto result =
            client.Post("/api/v1/namespaces/default/configmaps", body, "application/json");
        if (result && result->status == 201) ++done;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::printf("sustained creates over HTTP (%d keep-alive clients, %s): %.0f writes/s\n", kClients,
              label, static_cast<double>(done.load()) / absl::ToDoubleSeconds(run));
}

}  // namespace

int main() {
  nvsx::core::SystemClock clock;
  nvsx::sim::ApiServerOptions options;
  options.store.history_limit = 100000;
  ApiServer server(&clock, options);
  if (absl::Status started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "cannot start: %s\n", std::string(started.message()).c_str());
    return 1;
  }
  ListNodes(server);
  FanOut(server);
  Writes(server, "in memory");
  server.Stop();

  // The same with --state: every write goes through to SQLite.
  const std::filesystem::path state =
      std::filesystem::temp_directory_path() / ("sim_api_bench-" + std::to_string(::getpid()));
  options.state_file = state / "state.db";
  ApiServer persisted(&clock, options);
  if (absl::Status started = persisted.Start(); !started.ok()) {
    std::fprintf(stderr, "cannot start with --state: %s\n", std::string(started.message()).c_str());
    return 1;
  }
  Writes(persisted, "--state SQLite write-through");
  persisted.Stop();
  std::filesystem::remove_all(state);
  return 0;
}
