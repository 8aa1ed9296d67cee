// Figures for the embedded API server (issue 3), printed, not asserted:
//   list of 5,000 nodes over HTTP (goal < 50 ms),
//   one update seen by 1,000 watchers (goal p99 < 50 ms): in-process store
//   watchers, and 1,000 HTTP watches (?watch=1) read by one poll() loop so
//   the client side adds no thread wake-ups of its own,
//   sustained writes per second over HTTP (goal 5,000/s on 2 cores).
// Run: build/bin/sim_api_bench

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
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

// A connected socket that has sent `request`; -1 on failure.
int OpenWatch(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads what is ready on every socket until each one's bytes contain
// `marker` (or `limit` passes); calls seen(i) the first time socket i does.
template <typename Seen>
void ReadUntil(std::vector<pollfd>& fds, std::vector<std::string>& got, std::string_view marker,
               absl::Time limit, Seen seen) {
  std::vector<bool> done(fds.size(), false);
  size_t remaining = fds.size();
  char buffer[16384];
  while (remaining > 0 && absl::Now() < limit) {
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (size_t i = 0; i < fds.size(); ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::recv(fds[i].fd, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        fds[i].fd = -fds[i].fd - 1;  // closed: poll ignores negative descriptors
        if (!done[i]) --remaining, done[i] = true;
        continue;
      }
      got[i].append(buffer, static_cast<size_t>(n));
      if (!done[i] && got[i].find(marker) != std::string::npos) {
        done[i] = true;
        --remaining;
        seen(i);
      }
    }
  }
}

void HttpFanOut(ApiServer& server) {
  nvsx::sim::ResourceInfo nodes = *server.registry().Find("", "v1", "nodes");
  constexpr int kWatchers = 1000;
  const std::string request =
      "GET /api/v1/nodes?watch=1&resourceVersion=" + server.store().CurrentResourceVersion() +
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n";
  std::vector<pollfd> fds;
  for (int i = 0; i < kWatchers; ++i) {
    const int fd = OpenWatch(server.port(), request);
    if (fd < 0) {
      std::fprintf(stderr, "HTTP watch %d: cannot connect\n", i);
      break;
    }
    fds.push_back({.fd = fd, .events = POLLIN, .revents = 0});
  }
  std::vector<std::string> got(fds.size());
  int open = 0;
  ReadUntil(fds, got, "\r\n\r\n", absl::Now() + absl::Seconds(30), [&](size_t) { ++open; });

  std::vector<double> latency;
  json node = *server.store().Get(nodes, "", "gpu-node-1");
  node["spec"]["unschedulable"] = true;
  const absl::Time start = absl::Now();
  (void)server.store().Update(nodes, "", "gpu-node-1", node, nvsx::sim::Subresource::kMain);
  ReadUntil(fds, got, "\"MODIFIED\"", absl::Now() + absl::Seconds(30),
            [&](size_t) { latency.push_back(absl::ToDoubleMilliseconds(absl::Now() - start)); });
  for (const pollfd& fd : fds) ::close(fd.fd < 0 ? -fd.fd - 1 : fd.fd);
  if (latency.empty()) {
    std::printf("one update, HTTP watches: none of %d saw it\n", open);
    return;
  }
  std::printf("one update, %d HTTP watches (%zu saw it): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              open, latency.size(), Percentile(latency, 0.5), Percentile(latency, 0.99),
              Percentile(latency, 1.0));
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
  options.worker_threads = 1100;  // each open watch holds a worker thread
  ApiServer server(&clock, options);
  if (absl::Status started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "cannot start: %s\n", std::string(started.message()).c_str());
    return 1;
  }
  ListNodes(server);
  FanOut(server);
  Writes(server, "in memory");
  // Last: the server notices a closed watch only when it next writes to it,
  // so these 1,000 workers stay parked until Stop().
  HttpFanOut(server);
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
