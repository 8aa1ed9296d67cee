// WatchGpus streams through a real gRPC server in this process: many watchers,
// concurrent writers, watchers leaving and the server stopping under them.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/logger.h"
#include "device/device_api_server.h"
#include "test_support/fake_clock.h"
#include "test_support/temp_dir.h"

namespace nvsx::device {
namespace {

constexpr int kGpus = 4;

// Records the resource versions a watch stream delivers.
class Watcher final : public grpc::ClientReadReactor<v1::WatchGpusResponse> {
 public:
  explicit Watcher(v1::GpuService::Stub* stub) {
    stub->async()->WatchGpus(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  // gRPC calls back into the reactor until OnDone: end the stream first.
  ~Watcher() override {
    Cancel();
    WaitForEnd();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (response_.type() == kAdded) {
        ++added_;
      } else {
        modified_.push_back(response_.object().resource_version());
      }
    }
    cv_.notify_all();
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    cv_.notify_all();
  }
  void Cancel() { context_.TryCancel(); }

  // Waits up to 60 s for `count` changes; returns the versions seen.
  std::vector<int64_t> WaitForChanges(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(60),
                 [&] { return modified_.size() >= count || status_.has_value(); });
    return modified_;
  }
  bool ended() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_.has_value();
  }
  int added() {
    std::lock_guard<std::mutex> lock(mu_);
    return added_;
  }
  grpc::Status WaitForEnd() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(60), [&] { return status_.has_value(); });
    return status_.value_or(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "never ended"));
  }

 private:
  grpc::ClientContext context_;
  v1::WatchGpusRequest request_;
  v1::WatchGpusResponse response_;
  std::mutex mu_;
  std::condition_variable cv_;
  int added_ = 0;
  std::vector<int64_t> modified_;
  std::optional<grpc::Status> status_;
};

class WatchStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DeviceApiServerOptions options;
    options.socket_path = (dir_.path() / "device.sock").string();
    options.listen = std::nullopt;
    auto server = DeviceApiServer::Start(options, &clock_, core::Logger::Discard());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    for (int c = 0; c < 4; ++c) {
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", c);  // separate connections
      stubs_.push_back(v1::GpuService::NewStub(grpc::CreateCustomChannel(
          "unix:" + options.socket_path, grpc::InsecureChannelCredentials(), args)));
    }
    // Through the RPC, as a provider registers, which opens the readiness gate.
    for (int i = 0; i < kGpus; ++i) {
      v1::CreateGpuRequest request;
      request.mutable_gpu()->mutable_metadata()->set_name("gpu-" + std::to_string(i));
      v1::CreateGpuResponse response;
      grpc::ClientContext context;
      ASSERT_TRUE(stubs_[0]->CreateGpu(&context, request, &response).ok());
    }
  }

  std::vector<std::unique_ptr<Watcher>> OpenWatchers(int count) {
    std::vector<std::unique_ptr<Watcher>> watchers;
    for (int w = 0; w < count; ++w) {
      watchers.push_back(std::make_unique<Watcher>(stubs_[static_cast<size_t>(w) % 4].get()));
    }
    // Wait until every stream has its snapshot, so all of them see every change.
    for (auto& watcher : watchers) {
      for (int spin = 0; spin < 6000 && watcher->added() < kGpus && !watcher->ended(); ++spin) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    return watchers;
  }

  // `writers` threads each send `updates` UpdateGpuStatus calls.
  void Update(int writers, int updates) {
    std::vector<std::thread> threads;
    for (int t = 0; t < writers; ++t) {
      threads.emplace_back([this, t, updates] {
        for (int i = 0; i < updates; ++i) {
          v1::UpdateGpuStatusRequest request;
          request.set_name("gpu-" + std::to_string((t + i) % kGpus));
          request.mutable_status()->add_conditions()->set_status(i % 2 ? "True" : "False");
          v1::UpdateGpuStatusResponse response;
          grpc::ClientContext context;
          EXPECT_TRUE(stubs_[static_cast<size_t>(t) % 4]
                          ->UpdateGpuStatus(&context, request, &response)
                          .ok());
        }
      });
    }
    for (auto& thread : threads) thread.join();
  }

  test::TempDir dir_;
  test::FakeClock clock_;
  std::unique_ptr<DeviceApiServer> server_;
  std::vector<std::unique_ptr<v1::GpuService::Stub>> stubs_;
};

TEST_F(WatchStreamTest, EveryWatcherReceivesEveryChangeOnceInOrder) {
  auto watchers = OpenWatchers(64);
  Update(/*writers=*/3, /*updates=*/100);
  for (auto& watcher : watchers) {
    EXPECT_EQ(watcher->added(), kGpus);
    const std::vector<int64_t> seen = watcher->WaitForChanges(300);
    ASSERT_EQ(seen.size(), 300u);
    // Versions kGpus+1 .. kGpus+300, each once, in order.
    for (size_t i = 0; i < seen.size(); ++i)
      EXPECT_EQ(seen[i], kGpus + 1 + static_cast<int64_t>(i));
  }
  for (auto& watcher : watchers) watcher->Cancel();
  for (auto& watcher : watchers) EXPECT_EQ(watcher->WaitForEnd().error_code(), grpc::CANCELLED);
}

TEST_F(WatchStreamTest, WatchersThatLeaveMidStreamDoNotDisturbTheOthers) {
  auto watchers = OpenWatchers(32);
  std::thread leaver([&] {
    for (size_t w = 0; w < watchers.size(); w += 2) {
      watchers[w]->Cancel();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  Update(/*writers=*/2, /*updates=*/100);
  leaver.join();
  for (size_t w = 0; w < watchers.size(); ++w) {
    if (w % 2 == 0) {
      EXPECT_EQ(watchers[w]->WaitForEnd().error_code(), grpc::CANCELLED);
      continue;
    }
    const std::vector<int64_t> seen = watchers[w]->WaitForChanges(200);
    ASSERT_EQ(seen.size(), 200u) << "watcher " << w;
    EXPECT_EQ(seen.back(), kGpus + 200);
  }
}

TEST_F(WatchStreamTest, ShutdownEndsOpenWatchesWhileChangesArrive) {
  auto watchers = OpenWatchers(32);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    // Straight into the cache: changes keep coming while the server stops.
    for (int i = 0; !stop.load(); ++i) {
      v1::GpuStatus status;
      status.add_conditions()->set_status(i % 2 ? "True" : "False");
      (void)server_->cache().UpdateStatus("gpu-" + std::to_string(i % kGpus), status, 0);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server_->Shutdown(absl::Milliseconds(200));
  stop.store(true);
  writer.join();
  for (auto& watcher : watchers) EXPECT_FALSE(watcher->WaitForEnd().ok());
}

}  // namespace
}  // namespace nvsx::device
