#include "provider/health_provider.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/ascii.h"
#include "device/device_api_server.h"
#include "nvml/sim_gpu_backend.h"
#include "provider/gpu_status_builder.h"
#include "test_support/temp_dir.h"

namespace nvsx::provider {
namespace {

using ::testing::HasSubstr;

// A device API server on a Unix socket, a simulated node of 4 GPUs, and a
// provider between them, as on a node.
class HealthProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    socket_ = (dir_.path() / "device.sock").string();
    StartServer();
    nvml::SimGpuBackendOptions sim_options;
    sim_options.node_name = "gpu-node-1";
    sim_options.gpu_count = 4;
    sim_options.clock = &clock_;
    backend_ = std::make_unique<nvml::SimGpuBackend>(sim_options);
    channel_ = grpc::CreateChannel("unix:" + socket_, grpc::InsecureChannelCredentials());
    stub_ = v1::GpuService::NewStub(channel_);
    HealthProviderOptions options;
    options.provider_id = "health-provider/gpu-node-1";
    options.sample_interval = absl::Milliseconds(100);
    provider_ = std::make_unique<HealthProvider>(backend_.get(), stub_.get(), &catalog_, &clock_,
                                                 core::Logger::Discard(), options);
  }

  void StartServer() {
    device::DeviceApiServerOptions options;
    options.socket_path = socket_;
    options.listen = std::nullopt;
    auto server = device::DeviceApiServer::Start(options, &clock_, core::Logger::Discard());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  v1::Gpu GpuAt(int index) {
    auto gpus = backend_->Enumerate();
    auto gpu = server_->cache().Get(GpuName((*gpus)[static_cast<size_t>(index)]));
    EXPECT_TRUE(gpu.ok()) << gpu.status();
    return gpu.ok() ? *gpu : v1::Gpu();
  }

  // Polls (up to 5 s) until GPU `index` reports `want` for `type`; returns the last status seen.
  std::string WaitForCondition(int index, const std::string& type, const std::string& want) {
    auto gpus = backend_->Enumerate();
    const std::string name = GpuName((*gpus)[static_cast<size_t>(index)]);
    std::string seen = "absent";
    for (int i = 0; i < 250 && seen != want; ++i) {
      if (auto gpu = server_->cache().Get(name); gpu.ok()) seen = ConditionStatus(*gpu, type);
      if (seen != want) absl::SleepFor(absl::Milliseconds(20));
    }
    return seen;
  }

  static std::string ConditionStatus(const v1::Gpu& gpu, const std::string& type) {
    for (const auto& condition : gpu.status().conditions()) {
      if (condition.type() == type) return condition.status();
    }
    return "absent";
  }

  core::SystemClock clock_;
  test::TempDir dir_;
  std::string socket_;
  std::unique_ptr<device::DeviceApiServer> server_;
  std::unique_ptr<nvml::SimGpuBackend> backend_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::GpuService::Stub> stub_;
  health::XidCatalog catalog_ = health::XidCatalog::Default();
  std::unique_ptr<HealthProvider> provider_;
};

TEST_F(HealthProviderTest, RegistersEveryGpuUnderItsLowercasedUuid) {
  ASSERT_TRUE(provider_->Register().ok());
  ASSERT_TRUE(provider_->Register().ok());  // idempotent
  EXPECT_EQ(server_->cache().size(), 4u);
  const v1::Gpu gpu = GpuAt(2);
  EXPECT_EQ(gpu.spec().index(), 2);
  EXPECT_EQ(gpu.metadata().name(), absl::AsciiStrToLower(gpu.spec().uuid()));
}

TEST_F(HealthProviderTest, Xid79IsReportedAsAFatalPcieFaultAndClearsAfterRecovery) {
  ASSERT_TRUE(provider_->Register().ok());
  ASSERT_TRUE(provider_->SyncAll().ok());
  EXPECT_EQ(ConditionStatus(GpuAt(3), "GpuPcieWatch"), "False");
  EXPECT_EQ(GpuAt(3).status().recommended_action(), "NONE");

  ASSERT_TRUE(backend_->InjectXid(3, 79).ok());
  auto xid = backend_->WaitForXid(absl::Seconds(1));
  ASSERT_TRUE(xid.ok() && xid->has_value());
  // Run() records the XID it waited for; do the same here.
  ASSERT_TRUE(provider_->SyncGpu(3).ok());
  v1::Gpu faulted = GpuAt(3);
  EXPECT_EQ(ConditionStatus(faulted, "GpuPcieWatch"), "True");
  EXPECT_EQ(faulted.status().recommended_action(), "RESTART_BM");
  EXPECT_EQ(ConditionStatus(GpuAt(2), "GpuPcieWatch"), "False");  // only GPU 3

  ASSERT_TRUE(backend_->Clear(3).ok());
  ASSERT_TRUE(provider_->SyncGpu(3).ok());
  EXPECT_EQ(ConditionStatus(GpuAt(3), "GpuPcieWatch"), "False");
  EXPECT_EQ(GpuAt(3).status().recommended_action(), "NONE");
}

TEST_F(HealthProviderTest, UnchangedHealthIsNotSentAgain) {
  ASSERT_TRUE(provider_->Register().ok());
  ASSERT_TRUE(provider_->SyncAll().ok());
  const int64_t version = server_->cache().resource_version();
  ASSERT_TRUE(provider_->SyncAll().ok());
  EXPECT_EQ(server_->cache().resource_version(), version);
}

TEST_F(HealthProviderTest, ReRegistersAfterTheDeviceApiLostItsCache) {
  ASSERT_TRUE(provider_->Register().ok());
  ASSERT_TRUE(provider_->SyncAll().ok());
  server_->Shutdown();
  server_.reset();
  StartServer();  // same socket, empty cache
  ASSERT_TRUE(backend_->InjectFault(1, nvml::SimFault::kThermal).ok());
  absl::Status synced;
  for (int attempt = 0; attempt < 50; ++attempt) {  // the channel reconnects on its own time
    synced = provider_->SyncGpu(1);
    if (synced.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(synced.ok()) << synced;
  EXPECT_EQ(server_->cache().size(), 4u);
  EXPECT_EQ(ConditionStatus(GpuAt(1), "GpuThermalWatch"), "True");
}

TEST_F(HealthProviderTest, RunReportsAnInjectedXidWithoutWaitingForTheNextSample) {
  core::MetricsRegistry registry;
  auto metrics = ProviderMetrics::Create(&registry);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  HealthProviderOptions options;
  options.sample_interval = absl::Hours(1);  // only the XID can trigger the report
  options.metrics = metrics->get();
  HealthProvider provider(backend_.get(), stub_.get(), &catalog_, &clock_, core::Logger::Discard(),
                          options);
  std::atomic<bool> stop{false};
  std::thread loop([&] { provider.Run(stop); });
  // Registration and the first sample come first.
  EXPECT_EQ(WaitForCondition(0, "GpuPcieWatch", "False"), "False");
  ASSERT_TRUE(backend_->InjectXid(0, 79).ok());
  const std::string status = WaitForCondition(0, "GpuPcieWatch", "True");
  stop.store(true);
  loop.join();
  EXPECT_EQ(status, "True");
  // 4 GPUs registered, each read and reported once, then GPU 0 again for its XID.
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("nvsentinel_health_provider_gpus 4\n"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_health_provider_xids_total 1\n"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_health_provider_samples_total{outcome=\"ok\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_health_provider_reports_total{outcome=\"ok\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_health_provider_reports_total{outcome=\"error\"} 0\n"));
}

}  // namespace
}  // namespace nvsx::provider
