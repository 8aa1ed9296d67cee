// Device API under load, against a real `nvsentinel device-api` process:
//   1. 1,024 GPUs registered, 1,000 watchers open: the time from sending
//      UpdateGpuStatus to each watcher receiving the change (p50/p99/max);
//   2. UpdateGpuStatus throughput over gRPC with several client threads;
//   3. the server's resident memory with all of that in place.
// Usage: device_api_bench NVSENTINEL_BINARY [watchers=1000] [updates=200]
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nvidia/device/v1alpha1/gpu.grpc.pb.h"

namespace {

namespace v1 = ::nvidia::device::v1alpha1;
using Clock = std::chrono::steady_clock;

constexpr int kGpus = 1024;

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
  void OnDone(const grpc::Status&) override {}
  void Cancel() { context_.TryCancel(); }
  bool done() const { return done_.load(); }
  int added() const { return added_.load(); }

 private:
  grpc::ClientContext context_;
  v1::WatchGpusRequest request_;
  v1::WatchGpusResponse response_;
  std::vector<Clock::time_point>* received_;
  int64_t base_;
  size_t seen_ = 0;
  std::atomic<bool> done_{false};
  std::atomic<int> added_{0};
};

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

v1::GpuStatus Status(int i) {
  v1::GpuStatus status;
  auto* condition = status.add_conditions();
  condition->set_type("GpuPcieWatch");
  condition->set_status(i % 2 == 0 ? "True" : "False");
  condition->set_reason("Bench");
  status.set_recommended_action(i % 2 == 0 ? "RESTART_BM" : "NONE");
  return status;
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
  std::vector<std::unique_ptr<v1::GpuService::Stub>> stubs;
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
  while (
      !std::all_of(streams.begin(), streams.end(), [](auto& s) { return s->added() == kGpus; })) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double initial_s = std::chrono::duration<double>(Clock::now() - initial_start).count();
  std::vector<Clock::time_point> sent(static_cast<size_t>(updates));
  for (int u = 0; u < updates; ++u) {
    v1::UpdateGpuStatusRequest request;
    request.set_name("gpu-" + std::to_string(u % kGpus));
    *request.mutable_status() = Status(u);
    v1::UpdateGpuStatusResponse response;
    grpc::ClientContext context;
    sent[static_cast<size_t>(u)] = Clock::now();
    writer->UpdateGpuStatus(&context, request, &response);
    // Paced like real health updates, not a flood: fan-out latency, not queueing, is measured.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline &&
         !std::all_of(streams.begin(), streams.end(), [](auto& s) { return s->done(); })) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
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

  // 2. Throughput, 4 client threads for 3 s.
  std::atomic<long> done_updates{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      v1::GpuService::Stub* stub = stubs[static_cast<size_t>(t) + 1].get();
      for (int i = 0; !stop.load(); ++i) {
        v1::UpdateGpuStatusRequest request;
        request.set_name("gpu-" + std::to_string((t * 256 + i) % kGpus));
        *request.mutable_status() = Status(i);
        v1::UpdateGpuStatusResponse response;
        grpc::ClientContext context;
        if (stub->UpdateGpuStatus(&context, request, &response).ok()) ++done_updates;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop.store(true);
  for (auto& client : clients) client.join();

  ::kill(server, SIGTERM);
  ::waitpid(server, nullptr, 0);

  std::printf(
      "device API benchmark: %d GPUs, %d watchers, %d updates (2 cores, server in its own "
      "process, clients in this one)\n",
      kGpus, watchers, updates);
  std::printf(
      "  update -> watcher delivery: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %zu "
      "deliveries (%zu missing)\n",
      Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.99), Percentile(latencies_ms, 1.0),
      latencies_ms.size(), missing);
  std::printf("  initial list to all watchers: %.2f s (%d ADDED events each)\n", initial_s, kGpus);
  std::printf("  UpdateGpuStatus over gRPC, 4 client threads: %.0f updates/s\n",
              static_cast<double>(done_updates.load()) / 3.0);
  std::printf("  server resident memory: %.1f MiB empty, %.1f MiB with %d GPUs and %d watchers\n",
              rss_empty / 1024.0, rss_loaded / 1024.0, kGpus, watchers);
  return missing == 0 ? 0 : 1;
}
