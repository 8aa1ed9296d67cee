// Device API under load, against a real `nvsentinel device-api` process, all
// on the same cores as this client (it reports both sides' CPU per operation,
// so a reader can tell whether the server or the benchmark is the limit):
//   1. 1,024 GPUs registered, 1,000 watchers open (8 channels, one process):
//      the time from sending UpdateGpuStatus to each watcher receiving the
//      change (p50/p99/max), updates paced 5 ms apart, and how long the server
//      took to start every watcher's write (it answers the update then);
//   2. UpdateGpuStatus throughput over gRPC, the watchers closed first (1,000
//      watchers at 50,000 updates/s would be 50 million messages a second):
//      4 client threads with one call each in flight, then 4 channels with 64
//      calls each in flight (a provider updating many GPUs at once);
//   3. the server's resident memory with the GPUs and watchers in place.
// Usage: device_api_bench NVSENTINEL_BINARY [watchers=1000] [updates=200]
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nvidia/device/v1alpha1/gpu.grpc.pb.h"

namespace {

namespace v1 = ::nvidia::device::v1alpha1;
using Clock = std::chrono::steady_clock;
using Stubs = std::vector<std::unique_ptr<v1::GpuService::Stub>>;

constexpr int kGpus = 1024;
constexpr auto kThroughputWindow = std::chrono::seconds(3);

// Receive times per resource version, for one watch stream.
class Watcher final : public grpc::ClientReadReactor<v1::WatchGpusResponse> {
 public:
  Watcher(v1::GpuService::Stub* stub, std::vector<Clock::time_point>* received, int64_t base)
      : received_(received), base_(base) {
    stub->async()->WatchGpus(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    const int64_t version = response_.object().resource_version();
    if (response_.type() == "ADDED") ++added_;
    if (response_.type() == "MODIFIED" && version > base_) {
      const size_t slot = static_cast<size_t>(version - base_ - 1);
      if (slot < received_->size()) (*received_)[slot] = Clock::now();
      if (++seen_ == received_->size()) done_.store(true);
    }
    StartRead(&response_);
  }
  void OnDone(const grpc::Status&) override { closed_.store(true); }
  void Cancel() { context_.TryCancel(); }
  bool done() const { return done_.load(); }
  bool closed() const { return closed_.load(); }
  int added() const { return added_.load(); }

 private:
  grpc::ClientContext context_;
  v1::WatchGpusRequest request_;
  v1::WatchGpusResponse response_;
  std::vector<Clock::time_point>* received_;
  int64_t base_;
  size_t seen_ = 0;
  std::atomic<bool> done_{false};
  std::atomic<bool> closed_{false};
  std::atomic<int> added_{0};
};

// CPU seconds (user + system) used so far by the server and by this process.
struct CpuSeconds {
  double server = 0;
  double clients = 0;
  CpuSeconds operator-(const CpuSeconds& o) const {
    return {server - o.server, clients - o.clients};
  }
};

CpuSeconds CpuUsed(pid_t server) {
  CpuSeconds used;
  std::ifstream stat("/proc/" + std::to_string(server) + "/stat");
  std::string line;
  std::getline(stat, line);
  // After the ")" that ends the command name, utime and stime are the 12th and 13th fields.
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  long ticks = 0;
  for (int i = 1; i <= 13 && fields >> field; ++i) {
    if (i >= 12) ticks += std::stol(field);
  }
  used.server = static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  used.clients = seconds(self.ru_utime) + seconds(self.ru_stime);
  return used;
}

long ResidentKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

v1::UpdateGpuStatusRequest UpdateRequest(int gpu, int i) {
  v1::UpdateGpuStatusRequest request;
  request.set_name("gpu-" + std::to_string(gpu % kGpus));
  v1::GpuStatus* status = request.mutable_status();
  auto* condition = status->add_conditions();
  condition->set_type("GpuPcieWatch");
  condition->set_status(i % 2 == 0 ? "True" : "False");
  condition->set_reason("Bench");
  status->set_recommended_action(i % 2 == 0 ? "RESTART_BM" : "NONE");
  return request;
}

template <typename Predicate>
void WaitUntil(Predicate done) {
  while (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

struct Throughput {
  double per_second = 0;
  CpuSeconds cpu_per_update;
};

// Runs `start(stop, done)` for the throughput window; it must count finished
// updates in `done` and return once `stop` is set and its calls are over.
Throughput MeasureThroughput(
    pid_t server, const std::function<void(std::atomic<bool>&, std::atomic<long>&)>& run) {
  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  const CpuSeconds start = CpuUsed(server);
  std::thread runner([&] { run(stop, done); });
  std::this_thread::sleep_for(kThroughputWindow);
  const long counted = done.load();
  const CpuSeconds used = CpuUsed(server) - start;
  stop.store(true);
  runner.join();
  const double n = static_cast<double>(std::max(counted, 1L));
  return {static_cast<double>(counted) / std::chrono::duration<double>(kThroughputWindow).count(),
          {used.server / n, used.clients / n}};
}

// Each thread makes one blocking call at a time.
void BlockingUpdates(const Stubs& stubs, std::atomic<bool>& stop, std::atomic<long>& done) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      v1::GpuService::Stub* stub = stubs[static_cast<size_t>(t) + 1].get();
      for (int i = 0; !stop.load(); ++i) {
        v1::UpdateGpuStatusResponse response;
        grpc::ClientContext context;
        if (stub->UpdateGpuStatus(&context, UpdateRequest(t * 256 + i, i), &response).ok()) ++done;
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

// Keeps `depth` calls in flight on each of 4 channels with the callback API.
void PipelinedUpdates(const Stubs& stubs, int depth, std::atomic<bool>& stop,
                      std::atomic<long>& done) {
  struct Call {
    grpc::ClientContext context;
    v1::UpdateGpuStatusRequest request;
    v1::UpdateGpuStatusResponse response;
  };
  std::mutex mu;
  std::condition_variable idle;
  int in_flight = 0;
  std::atomic<int> sequence{0};
  std::function<void(v1::GpuService::Stub*)> issue = [&](v1::GpuService::Stub* stub) {
    const int i = sequence++;
    auto* call = new Call{{}, UpdateRequest(i, i), {}};
    stub->async()->UpdateGpuStatus(&call->context, &call->request, &call->response,
                                   [&, stub, call](grpc::Status status) {
                                     if (status.ok()) ++done;
                                     delete call;
                                     if (!stop.load()) return issue(stub);
                                     std::lock_guard<std::mutex> lock(mu);
                                     if (--in_flight == 0) idle.notify_all();
                                   });
  };
  {
    std::lock_guard<std::mutex> lock(mu);
    in_flight = 4 * depth;
  }
  for (int c = 1; c <= 4; ++c) {
    for (int d = 0; d < depth; ++d) issue(stubs[static_cast<size_t>(c)].get());
  }
  std::unique_lock<std::mutex> lock(mu);
  idle.wait(lock, [&] { return in_flight == 0; });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s NVSENTINEL_BINARY [watchers] [updates]\n", argv[0]);
    return 2;
  }
  const int watchers = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int updates = argc > 3 ? std::atoi(argv[3]) : 200;
  const std::string socket = "/tmp/nvsx-bench-" + std::to_string(::getpid()) + ".sock";

  std::vector<std::string> args = {argv[1], "device-api",    "--socket", socket,        "--listen",
                                   "none",  "--max-watches", "5000",     "--log-level", "warn"};
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  pid_t server = -1;
  if (posix_spawn(&server, argv[1], nullptr, nullptr, cargs.data(), environ) != 0) {
    std::perror("spawn");
    return 1;
  }
  for (int i = 0; i < 200 && ::access(socket.c_str(), F_OK) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const long rss_empty = ResidentKiB(server);

  // Several channels, as several consumers on a node would have.
  Stubs stubs;
  for (int c = 0; c < 8; ++c) {
    grpc::ChannelArguments channel_args;
    channel_args.SetInt("grpc.channel_id", c);  // distinct subchannels
    stubs.push_back(v1::GpuService::NewStub(grpc::CreateCustomChannel(
        "unix:" + socket, grpc::InsecureChannelCredentials(), channel_args)));
  }
  v1::GpuService::Stub* writer = stubs[0].get();
  for (int i = 0; i < kGpus; ++i) {
    v1::CreateGpuRequest request;
    request.mutable_gpu()->mutable_metadata()->set_name("gpu-" + std::to_string(i));
    request.mutable_gpu()->mutable_spec()->set_uuid("GPU-" + std::to_string(i));
    v1::CreateGpuResponse response;
    grpc::ClientContext context;
    if (!writer->CreateGpu(&context, request, &response).ok()) {
      std::fprintf(stderr, "CreateGpu failed\n");
      ::kill(server, SIGTERM);
      return 1;
    }
  }
  const int64_t base = kGpus;

  // 1. Fan-out latency.
  std::vector<std::vector<Clock::time_point>> received(
      static_cast<size_t>(watchers), std::vector<Clock::time_point>(static_cast<size_t>(updates)));
  std::vector<std::unique_ptr<Watcher>> streams;
  for (int w = 0; w < watchers; ++w) {
    streams.push_back(std::make_unique<Watcher>(stubs[static_cast<size_t>(w) % stubs.size()].get(),
                                                &received[static_cast<size_t>(w)], base));
  }
  // Every stream first receives an ADDED per GPU; measure only after that.
  const auto initial_start = Clock::now();
  WaitUntil([&] {
    return std::all_of(streams.begin(), streams.end(), [](auto& s) { return s->added() == kGpus; });
  });
  const double initial_s = std::chrono::duration<double>(Clock::now() - initial_start).count();
  std::fprintf(stderr, "phase: fan-out (server pid %d)\n", server);
  std::vector<Clock::time_point> sent(static_cast<size_t>(updates));
  // The server answers an update once it has started every watcher's write
  // (WatchWriteQueue::RunPending), so the call's time is the server's share.
  std::vector<double> answered_ms;
  const CpuSeconds fanout_start = CpuUsed(server);
  for (int u = 0; u < updates; ++u) {
    v1::UpdateGpuStatusResponse response;
    grpc::ClientContext context;
    sent[static_cast<size_t>(u)] = Clock::now();
    writer->UpdateGpuStatus(&context, UpdateRequest(u, u), &response);
    answered_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - sent[static_cast<size_t>(u)])
            .count());
    // Paced like real health updates, not a flood: fan-out latency, not queueing, is measured.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  WaitUntil([&] {
    return Clock::now() >= deadline ||
           std::all_of(streams.begin(), streams.end(), [](auto& s) { return s->done(); });
  });
  const CpuSeconds fanout_cpu = CpuUsed(server) - fanout_start;
  std::vector<double> latencies_ms;
  size_t missing = 0;
  for (const auto& per_watcher : received) {
    for (int u = 0; u < updates; ++u) {
      const auto at = per_watcher[static_cast<size_t>(u)];
      if (at == Clock::time_point()) {
        ++missing;
        continue;
      }
      latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(at - sent[static_cast<size_t>(u)]).count());
    }
  }
  const long rss_loaded = ResidentKiB(server);
  for (auto& stream : streams) stream->Cancel();
  WaitUntil([&] {
    return std::all_of(streams.begin(), streams.end(), [](auto& s) { return s->closed(); });
  });

  // 2. Throughput without watchers.
  std::fprintf(stderr, "phase: throughput\n");
  const Throughput blocking =
      MeasureThroughput(server, [&](std::atomic<bool>& stop, std::atomic<long>& done) {
        BlockingUpdates(stubs, stop, done);
      });
  constexpr int kDepth = 64;
  const Throughput pipelined =
      MeasureThroughput(server, [&](std::atomic<bool>& stop, std::atomic<long>& done) {
        PipelinedUpdates(stubs, kDepth, stop, done);
      });

  ::kill(server, SIGTERM);
  ::waitpid(server, nullptr, 0);

  const double per_delivery = 1e6 / (static_cast<double>(updates) * watchers);
  std::printf(
      "device API benchmark: %d GPUs, %d watchers, %d updates (2 cores, server in its own "
      "process, clients in this one)\n",
      kGpus, watchers, updates);
  std::printf(
      "  update -> watcher delivery: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %zu "
      "deliveries (%zu missing)\n",
      Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.99), Percentile(latencies_ms, 1.0),
      latencies_ms.size(), missing);
  std::printf("  update answered, every watcher's write started: p50 %.2f ms, p99 %.2f ms\n",
              Percentile(answered_ms, 0.5), Percentile(answered_ms, 0.99));
  std::printf("  fan-out CPU per delivery: server %.2f us, bench watchers %.2f us\n",
              fanout_cpu.server * per_delivery, fanout_cpu.clients * per_delivery);
  std::printf("  initial list to all watchers: %.2f s (%d ADDED events each)\n", initial_s, kGpus);
  std::printf(
      "  UpdateGpuStatus over gRPC, 4 client threads: %.0f updates/s (CPU per update: server "
      "%.1f us, bench %.1f us)\n",
      blocking.per_second, blocking.cpu_per_update.server * 1e6,
      blocking.cpu_per_update.clients * 1e6);
  std::printf(
      "  UpdateGpuStatus over gRPC, 4 channels x %d in flight: %.0f updates/s (CPU per update: "
      "server %.1f us, bench %.1f us)\n",
      kDepth, pipelined.per_second, pipelined.cpu_per_update.server * 1e6,
      pipelined.cpu_per_update.clients * 1e6);
  std::printf("  server resident memory: %.1f MiB empty, %.1f MiB with %d GPUs and %d watchers\n",
              rss_empty / 1024.0, rss_loaded / 1024.0, kGpus, watchers);
  return missing == 0 ? 0 : 1;
}
