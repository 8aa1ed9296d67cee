// The publisher between a real device API server (fed by the health provider
// and simulated GPUs) and a real embedded API server, as on a node.
#include "publisher/publisher.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "device/device_api_server.h"
#include "kube/rest_client.h"
#include "nvml/sim_gpu_backend.h"
#include "provider/health_provider.h"
#include "sim/api_server.h"
#include "sim/sim_cluster.h"
#include "test_support/temp_dir.h"

namespace nvsx::publisher {
namespace {

constexpr char kNode[] = "gpu-node-0";

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StartApiServer(0);
    kube::RestConfig config;
    config.server = api_->url();
    kube::RestClientOptions client_options;
    client_options.clock = &clock_;
    client_options.qps = 0;
    client_options.max_retries = 1;
    client_options.backoff = kube::Backoff{absl::Milliseconds(20), 2, 0.2, absl::Milliseconds(200)};
    auto client = kube::RestClient::New(config, client_options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);

    device::DeviceApiServerOptions device_options;
    device_options.socket_path = (dir_.path() / "device.sock").string();
    device_options.listen = std::nullopt;
    auto device = device::DeviceApiServer::Start(device_options, &clock_, core::Logger::Discard());
    ASSERT_TRUE(device.ok()) << device.status();
    device_ = *std::move(device);
    channel_ = grpc::CreateChannel("unix:" + device_options.socket_path,
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::GpuService::NewStub(channel_);

    nvml::SimGpuBackendOptions sim_options;
    sim_options.node_name = kNode;
    sim_options.gpu_count = 4;
    sim_options.clock = &clock_;
    backend_ = std::make_unique<nvml::SimGpuBackend>(sim_options);
    provider::HealthProviderOptions provider_options;
    provider_options.sample_interval = absl::Milliseconds(50);
    provider_ = std::make_unique<provider::HealthProvider>(
        backend_.get(), stub_.get(), &catalog_, &clock_, core::Logger::Discard(), provider_options);
    provider_thread_ = std::thread([this] { provider_->Run(stop_provider_); });
    StartPublisher();
  }

  void TearDown() override {
    if (publisher_) publisher_->Stop();
    client_.reset();  // its kept-alive connection would hold up the API server's stop
    stop_provider_.store(true);
    if (provider_thread_.joinable()) provider_thread_.join();
    if (device_) device_->Shutdown();
    if (api_) api_->Stop();
  }

  void StartApiServer(uint16_t port) {
    sim::ApiServerOptions options;
    options.listen = core::HostPort{"127.0.0.1", port};
    api_ = std::make_unique<sim::ApiServer>(&clock_, options);
    absl::Status started = api_->Start();
    ASSERT_TRUE(started.ok()) << started;
    kube::RestConfig config;
    config.server = api_->url();
    auto seeder =
        kube::RestClient::New(config, kube::RestClientOptions{.clock = &clock_, .qps = 0});
    ASSERT_TRUE(seeder.ok());
    absl::Status seeded =
        sim::SeedSimCluster(**seeder, sim::SimClusterOptions{.nodes = 1}, clock_.Now());
    ASSERT_TRUE(seeded.ok()) << seeded;
  }

  void StartPublisher() {
    PublisherOptions options;
    options.source.node_name = kNode;
    options.retry_base = absl::Milliseconds(20);
    options.retry_max = absl::Milliseconds(200);
    options.gpu_writes_per_second = 20;
    options.gpu_write_burst = 2;
    options.metrics = metrics_.get();
    publisher_ = std::make_unique<Publisher>(stub_.get(), client_.get(), &catalog_, &clock_,
                                             core::Logger::Discard(), options);
    publisher_->Start();
  }

  std::vector<nlohmann::json> Events() {
    auto list = client_->List(HealthEventsResource());
    if (!list.ok()) return {};
    return (*list)["items"].get<std::vector<nlohmann::json>>();
  }

  // Polls (up to 10 s) until `done` holds for the events; returns them.
  std::vector<nlohmann::json> WaitForEvents(
      const std::function<bool(const std::vector<nlohmann::json>&)>& done) {
    std::vector<nlohmann::json> events = Events();
    for (int i = 0; i < 500 && !done(events); ++i) {
      absl::SleepFor(absl::Milliseconds(20));
      events = Events();
    }
    return events;
  }

  std::vector<nlohmann::json> WaitForXids(const nlohmann::json& xids) {
    return WaitForEvents([&](const std::vector<nlohmann::json>& events) {
      return !events.empty() && events.back()["spec"]["errorCode"] == xids;
    });
  }

  // The publisher counts a write after the API server answers it, so the
  // event can be visible a moment before its metric: poll (up to 10 s) until
  // every line is in the rendered registry; returns the last rendering.
  std::string WaitForMetrics(const std::vector<std::string>& lines) {
    std::string text = registry_.Render();
    const auto has_all = [&] {
      return std::ranges::all_of(
          lines, [&](const std::string& line) { return text.find(line) != std::string::npos; });
    };
    for (int i = 0; i < 500 && !has_all(); ++i) {
      absl::SleepFor(absl::Milliseconds(20));
      text = registry_.Render();
    }
    return text;
  }

  std::string Gpu3Uuid() { return nvml::SimGpuUuid(kNode, 3); }

  core::SystemClock clock_;
  test::TempDir dir_;
  health::XidCatalog catalog_ = health::XidCatalog::Default();
  std::unique_ptr<sim::ApiServer> api_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<device::DeviceApiServer> device_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::GpuService::Stub> stub_;
  std::unique_ptr<nvml::SimGpuBackend> backend_;
  std::unique_ptr<provider::HealthProvider> provider_;
  std::atomic<bool> stop_provider_{false};
  std::thread provider_thread_;
  core::MetricsRegistry registry_;
  std::unique_ptr<PublisherMetrics> metrics_ = *PublisherMetrics::Create(&registry_);
  std::unique_ptr<Publisher> publisher_;
};

TEST_F(PublisherTest, Xid79OnGpu3MakesExactlyOneEventWithTheRightFields) {
  ASSERT_TRUE(backend_->InjectXid(3, 79).ok());
  const std::vector<nlohmann::json> events = WaitForXids({"79"});
  ASSERT_EQ(events.size(), 1u);
  const nlohmann::json& spec = events[0]["spec"];
  EXPECT_EQ(spec["nodeName"], kNode);
  EXPECT_EQ(spec["agent"], "health-provider");
  EXPECT_EQ(spec["componentClass"], "GPU");
  EXPECT_EQ(spec["checkName"], "GpuPcieWatch");
  EXPECT_EQ(spec["isFatal"], true);
  EXPECT_EQ(spec["isHealthy"], false);
  EXPECT_EQ(spec["recommendedAction"], "RESTART_BM");
  EXPECT_NE(spec["message"].get<std::string>().find("XID 79"), std::string::npos)
      << spec["message"];
  EXPECT_EQ(spec["entitiesImpacted"][0]["entityValue"], "3");
  EXPECT_EQ(spec["entitiesImpacted"][1]["entityValue"], Gpu3Uuid());
  EXPECT_EQ(spec["metadata"]["gpuName"], absl::AsciiStrToLower(Gpu3Uuid()));
  EXPECT_TRUE(spec.contains("generatedTimestamp"));
  EXPECT_TRUE(events[0]["metadata"]["name"].get<std::string>().starts_with("gpu-node-0-gpu3-"));
  EXPECT_EQ(events[0]["metadata"]["labels"]["nvsentinel.nvidia.com/node"], kNode);
}

TEST_F(PublisherTest, ASecondXidOnTheSameGpuUpdatesItsEvent) {
  ASSERT_TRUE(backend_->InjectXid(3, 79).ok());
  const std::vector<nlohmann::json> first = WaitForXids({"79"});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(backend_->InjectXid(3, 48).ok());
  const std::vector<nlohmann::json> second = WaitForXids({"79", "48"});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]["metadata"]["name"], first[0]["metadata"]["name"]);
  EXPECT_EQ(second[0]["spec"]["generatedTimestamp"], first[0]["spec"]["generatedTimestamp"]);
  EXPECT_NE(second[0]["spec"]["message"].get<std::string>().find("GpuMemWatch"), std::string::npos);
}

TEST_F(PublisherTest, RecoveryMarksTheEventHealthy) {
  ASSERT_TRUE(backend_->InjectXid(3, 79).ok());
  ASSERT_EQ(WaitForXids({"79"}).size(), 1u);
  ASSERT_TRUE(backend_->Clear(3).ok());
  const std::vector<nlohmann::json> events = WaitForEvents(
      [](const auto& seen) { return seen.size() == 1 && seen[0]["spec"]["isHealthy"]; });
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["spec"]["isHealthy"], true);
  EXPECT_TRUE(events[0]["spec"]["metadata"].contains("recoveredTimestamp"));
  const std::string text =
      WaitForMetrics({"nvsentinel_publisher_events_total{action=\"opened\"} 1\n",
                      "nvsentinel_publisher_events_total{action=\"closed\"} 1\n",
                      "nvsentinel_publisher_fault_to_event_seconds_count 1\n"});
  EXPECT_NE(text.find("nvsentinel_publisher_events_total{action=\"opened\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nvsentinel_publisher_events_total{action=\"closed\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nvsentinel_publisher_fault_to_event_seconds_count 1\n"), std::string::npos)
      << text;

  // The next fault is a new episode: a second event.
  ASSERT_TRUE(backend_->InjectXid(3, 79).ok());
  const std::vector<nlohmann::json> again =
      WaitForEvents([](const auto& seen) { return seen.size() == 2; });
  ASSERT_EQ(again.size(), 2u);
  EXPECT_NE(again[0]["metadata"]["name"], again[1]["metadata"]["name"]);
}

TEST_F(PublisherTest, HeatMakesOneNonFatalEventThatClosesWhenTheGpuCools) {
  ASSERT_TRUE(backend_->InjectFault(3, nvml::SimFault::kThermal).ok());
  const std::vector<nlohmann::json> events =
      WaitForEvents([](const auto& seen) { return seen.size() == 1; });
  ASSERT_EQ(events.size(), 1u);
  const nlohmann::json& spec = events[0]["spec"];
  EXPECT_EQ(spec["checkName"], "GpuThermalWatch");
  EXPECT_EQ(spec["isFatal"], false);
  EXPECT_EQ(spec["isHealthy"], false);
  EXPECT_EQ(spec["recommendedAction"], "NONE");
  EXPECT_EQ(events[0]["metadata"]["labels"]["nvsentinel.nvidia.com/check"], "GpuThermalWatch");
  ASSERT_TRUE(backend_->Clear(3).ok());
  const std::vector<nlohmann::json> cooled = WaitForEvents(
      [](const auto& seen) { return seen.size() == 1 && seen[0]["spec"]["isHealthy"]; });
  ASSERT_EQ(cooled.size(), 1u);
  EXPECT_EQ(cooled[0]["metadata"]["name"], events[0]["metadata"]["name"]);
}

TEST_F(PublisherTest, ADegradedGpuThatFallsOffTheBusTurnsItsEventFatal) {
  ASSERT_TRUE(backend_->InjectFault(3, nvml::SimFault::kThermal).ok());
  const std::vector<nlohmann::json> warm =
      WaitForEvents([](const auto& seen) { return seen.size() == 1; });
  ASSERT_EQ(warm.size(), 1u);
  ASSERT_TRUE(backend_->InjectXid(3, 79).ok());
  const std::vector<nlohmann::json> fatal = WaitForEvents(
      [](const auto& seen) { return seen.size() == 1 && seen[0]["spec"]["isFatal"] == true; });
  ASSERT_EQ(fatal.size(), 1u) << "escalated in place, not a second event";
  EXPECT_EQ(fatal[0]["metadata"]["name"], warm[0]["metadata"]["name"]);
  EXPECT_EQ(fatal[0]["spec"]["checkName"], "GpuPcieWatch");
  EXPECT_EQ(fatal[0]["metadata"]["labels"]["nvsentinel.nvidia.com/check"], "GpuPcieWatch");
  EXPECT_EQ(fatal[0]["spec"]["errorCode"], nlohmann::json({"79"}));
}

TEST_F(PublisherTest, AFatalFaultThatEndsWhileHeatRemainsClosesAndANonFatalEventFollows) {
  ASSERT_TRUE(backend_->InjectXid(3, 79).ok());
  const std::vector<nlohmann::json> fatal = WaitForXids({"79"});
  ASSERT_EQ(fatal.size(), 1u);
  // A reset clears the XID (the provider reads "resetting", no verdict), and
  // the GPU comes back hot: never healthy in between.
  ASSERT_TRUE(backend_->Reset(3).ok());
  ASSERT_TRUE(backend_->InjectFault(3, nvml::SimFault::kThermal).ok());
  const std::vector<nlohmann::json> events =
      WaitForEvents([](const auto& seen) { return seen.size() == 2; });
  ASSERT_EQ(events.size(), 2u);
  const nlohmann::json* closed = nullptr;
  const nlohmann::json* open = nullptr;
  for (const nlohmann::json& event : events) {
    (event["metadata"]["name"] == fatal[0]["metadata"]["name"] ? closed : open) = &event;
  }
  ASSERT_NE(closed, nullptr);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ((*closed)["spec"]["isHealthy"], true);
  EXPECT_EQ((*open)["spec"]["isFatal"], false);
  EXPECT_EQ((*open)["spec"]["isHealthy"], false);
  EXPECT_EQ((*open)["spec"]["checkName"], "GpuThermalWatch");
}

TEST_F(PublisherTest, ARestartedPublisherFollowsTheOpenEventInsteadOfDuplicatingIt) {
  ASSERT_TRUE(backend_->InjectXid(3, 79).ok());
  const std::vector<nlohmann::json> first = WaitForXids({"79"});
  ASSERT_EQ(first.size(), 1u);
  publisher_->Stop();
  publisher_.reset();
  StartPublisher();
  ASSERT_TRUE(backend_->InjectXid(3, 48).ok());
  const std::vector<nlohmann::json> updated = WaitForXids({"79", "48"});
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_EQ(updated[0]["metadata"]["name"], first[0]["metadata"]["name"]);

  publisher_->Stop();
  publisher_.reset();
  ASSERT_TRUE(backend_->Clear(3).ok());  // heals while no publisher runs
  StartPublisher();
  const std::vector<nlohmann::json> healed = WaitForEvents(
      [](const auto& seen) { return seen.size() == 1 && seen[0]["spec"]["isHealthy"]; });
  ASSERT_EQ(healed.size(), 1u);
  EXPECT_EQ(healed[0]["spec"]["isHealthy"], true);
}

TEST_F(PublisherTest, AFaultDuringAnApiServerOutageIsPublishedWhenItReturns) {
  const uint16_t port = api_->port();
  api_->Stop();
  ASSERT_TRUE(backend_->InjectXid(3, 79).ok());
  ASSERT_TRUE(backend_->InjectXid(1, 74).ok());
  // Let the publisher see it and fail at least once.
  for (int i = 0; i < 250; ++i) {
    auto gpu = device_->cache().Get(absl::AsciiStrToLower(Gpu3Uuid()));
    if (gpu.ok() && JudgeGpu(*gpu, catalog_).state == GpuState::kFatal) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  absl::SleepFor(absl::Milliseconds(100));
  StartApiServer(port);
  const std::vector<nlohmann::json> events =
      WaitForEvents([](const auto& seen) { return seen.size() == 2; });
  ASSERT_EQ(events.size(), 2u);
  std::set<std::string> gpus;
  for (const nlohmann::json& event : events) {
    gpus.insert(event["spec"]["entitiesImpacted"][0]["entityValue"].get<std::string>());
  }
  EXPECT_EQ(gpus, (std::set<std::string>{"1", "3"}));
}

TEST_F(PublisherTest, AFloodOfXidsEndsInOneEventHoldingTheLastState) {
  ASSERT_TRUE(backend_->InjectXid(3, 79).ok());
  const std::vector<uint32_t> flood = {48, 94, 95, 63, 64, 74, 119, 120, 92, 48, 94, 74};
  for (uint32_t xid : flood) ASSERT_TRUE(backend_->InjectXid(3, xid).ok());
  const std::vector<nlohmann::json> events =
      WaitForXids({"79", "48", "94", "95", "63", "64", "74", "119", "120", "92"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["spec"]["errorCode"].size(), 10u);
}

}  // namespace
}  // namespace nvsx::publisher
