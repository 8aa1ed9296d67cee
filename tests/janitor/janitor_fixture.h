#pragma once

// An embedded cluster for janitor tests: sim::ApiServer seeded with two GPU
// nodes of four GPUs, the simulated kubelet that runs their pods and reboots
// them, and the sim's node side (sim_nodes::SimNodes) serving fault requests
// with reboots wired to the kubelet, as `nvsentinel sim` wires them. Janitors
// under test run in-process against it over HTTP with the real clock.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "janitor/janitor.h"
#include "janitor/janitor_backend.h"
#include "janitor/sim_backend.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"
#include "kube/types/gpu_reset.h"
#include "kube/types/janitor_patches.h"
#include "kube/types/node.h"
#include "kube/types/reboot_node.h"
#include "sim/api_server.h"
#include "sim/kubelet.h"
#include "sim/sim_cluster.h"
#include "sim_nodes/sim_nodes.h"
#include "test_support/eventually.h"
#include "test_support/temp_dir.h"

namespace nvsx::janitor::testing {

using nlohmann::json;

inline const kube::ResourceRef kNodes{.group = "", .version = "v1", .resource = "nodes"};
inline const kube::ResourceRef kPods{
    .group = "", .version = "v1", .resource = "pods", .namespace_name = "default"};

// The janitor, kubelet and sim run on threads of their own.
using ::nvsx::test::Eventually;

// Passes calls on to another backend and counts them.
class CountingBackend final : public JanitorBackend {
 public:
  explicit CountingBackend(JanitorBackend* inner) : inner_(inner) {}
  std::string_view name() const override { return inner_->name(); }
  bool acts() const override { return inner_->acts(); }
  absl::Status RebootNode(const std::string& node, bool force) override {
    ++reboots;
    return inner_->RebootNode(node, force);
  }
  absl::Status ResetGpus(const std::string& node, const std::vector<std::string>& gpus) override {
    ++resets;
    return inner_->ResetGpus(node, gpus);
  }
  std::atomic<int> reboots{0};
  std::atomic<int> resets{0};

 private:
  JanitorBackend* inner_;
};

class JanitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::ApiServerOptions server_options;
    server_options.pod_grace_periods = true;
    server_options.bookmark_interval = absl::Seconds(1);
    server_ = std::make_unique<sim::ApiServer>(&clock_, server_options);
    ASSERT_TRUE(server_->Start().ok());
    config_.server = server_->url();
    client_ = NewClient();
    ASSERT_TRUE(sim::SeedSimCluster(*client_, cluster_, clock_.Now()).ok());
    sim::SimKubeletOptions kubelet;
    for (int i = 0; i < cluster_.nodes; ++i) kubelet.nodes.push_back(sim::SimNodeName(cluster_, i));
    kubelet_ = std::make_unique<sim::SimKubelet>(&clock_, &server_->store(), kubelet);
    ASSERT_TRUE(kubelet_->Start().ok());
    sim_nodes::SimNodesOptions nodes;
    nodes.node_names = kubelet.nodes;
    nodes.gpus_per_node = cluster_.gpus_per_node;
    nodes.api_server = config_;
    nodes.eager_nodes = 0;
    nodes.pipeline.provider.sample_interval = absl::Milliseconds(50);
    nodes.reboot_node = [this](const std::string& node, absl::Duration downtime) {
      return kubelet_->RebootNode(node, downtime);
    };
    nodes_ = std::make_unique<sim_nodes::SimNodes>(&clock_, core::Logger::Discard(), nodes);
    ASSERT_TRUE(nodes_->Start().ok());
    sim_client_ = NewClient();
    sim_backend_ = std::make_unique<SimBackend>(
        sim_client_.get(), &clock_, SimBackendOptions{.reboot_downtime = absl::Seconds(1)},
        core::Logger::Discard());
  }

  void TearDown() override {
    janitors_.clear();
    if (nodes_) nodes_->Stop();
    if (kubelet_) kubelet_->Stop();
    sim_backend_.reset();
    sim_client_.reset();
    client_.reset();
    if (server_) server_->Stop();
  }

  std::unique_ptr<kube::RestClient> NewClient() {
    return *kube::RestClient::New(config_, kube::RestClientOptions{.clock = &clock_, .qps = 0});
  }

  static JanitorOptions FastOptions() {
    JanitorOptions options;
    options.loop.workers = 2;
    options.loop.queue.failure_base = absl::Milliseconds(5);
    options.loop.queue.failure_max = absl::Milliseconds(200);
    options.cache_sync_timeout = absl::Seconds(20);
    options.reboot_timeout = absl::Seconds(30);
    return options;
  }

  // As below, with the janitor owning `backend`: a backend must outlive the
  // janitor that calls it, and a test's locals die before TearDown runs.
  Janitor* StartJanitor(std::unique_ptr<JanitorBackend> backend,
                        JanitorOptions options = FastOptions()) {
    Janitor* janitor = StartJanitor(backend.get(), std::move(options));
    janitors_.back()->backend = std::move(backend);
    return janitor;
  }

  // Starts a janitor with its own client and Event recorder; it runs until
  // the test ends or StopJanitor() is called.
  Janitor* StartJanitor(JanitorBackend* backend, JanitorOptions options = FastOptions(),
                        JanitorMetrics* metrics = nullptr) {
    auto running = std::make_unique<Running>();
    running->client = NewClient();
    kube::EventRecorderOptions recorder;
    recorder.clock = &clock_;
    recorder.reporting_controller = "nvsentinel.nvidia.com/janitor";
    recorder.reporting_instance = "test";
    running->recorder = std::make_unique<kube::EventRecorder>(running->client.get(), recorder,
                                                              core::Logger::Discard());
    running->janitor =
        std::make_unique<Janitor>(running->client.get(), &clock_, backend, running->recorder.get(),
                                  metrics, std::move(options), core::Logger::Discard());
    absl::Status started = running->janitor->Start();
    EXPECT_TRUE(started.ok()) << started;
    janitors_.push_back(std::move(running));
    return janitors_.back()->janitor.get();
  }
  void StopJanitor(Janitor* janitor) {
    std::erase_if(janitors_, [&](const std::unique_ptr<Running>& running) {
      return running->janitor.get() == janitor;
    });
  }
  // Writes every Event the running janitors recorded so far.
  void FlushEvents() {
    for (const auto& running : janitors_) running->recorder->Flush();
  }

  void CreateReboot(const std::string& name, const std::string& node = "gpu-node-0",
                    bool force = false) {
    auto created =
        client_->Create(kube::RebootNodesResource(), kube::NewRebootNode(name, node, force));
    ASSERT_TRUE(created.ok()) << created.status();
  }
  void CreateReset(const std::string& name, const std::string& node,
                   const std::vector<std::string>& gpus) {
    auto created = client_->Create(kube::GpuResetsResource(), kube::NewGpuReset(name, node, gpus));
    ASSERT_TRUE(created.ok()) << created.status();
  }

  json Get(const kube::ResourceRef& collection, const std::string& name) {
    auto object = client_->Get(collection.WithName(name));
    EXPECT_TRUE(object.ok()) << object.status();
    return object.ok() ? *std::move(object) : json::object();
  }
  kube::RebootNode Reboot(const std::string& name) {
    return kube::RebootNode(Get(kube::RebootNodesResource(), name));
  }
  kube::GpuReset Reset(const std::string& name) {
    return kube::GpuReset(Get(kube::GpuResetsResource(), name));
  }
  kube::Node Node(const std::string& name) { return kube::Node(Get(kNodes, name)); }

  bool RebootState(const std::string& name, kube::JanitorState state) {
    return Eventually([&] { return Reboot(name).state() == state; });
  }
  bool ResetState(const std::string& name, kube::JanitorState state) {
    return Eventually([&] { return Reset(name).state() == state; });
  }

  // A program for the command backend: `body` after a bash shebang.
  std::string Script(const std::string& name, const std::string& body) {
    const std::filesystem::path path = temp_.Write(name, "#!/bin/bash\n" + body + "\n");
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path.string();
  }

  struct Running {
    std::unique_ptr<JanitorBackend> backend;  // when the janitor owns it
    std::unique_ptr<kube::RestClient> client;
    std::unique_ptr<kube::EventRecorder> recorder;
    std::unique_ptr<Janitor> janitor;
    ~Running() {
      janitor.reset();
      recorder.reset();
    }
  };

  core::SystemClock clock_;
  test::TempDir temp_;
  sim::SimClusterOptions cluster_{.nodes = 2, .gpus_per_node = 4};
  kube::RestConfig config_;
  std::unique_ptr<sim::ApiServer> server_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<sim::SimKubelet> kubelet_;
  std::unique_ptr<sim_nodes::SimNodes> nodes_;
  std::unique_ptr<kube::RestClient> sim_client_;
  std::unique_ptr<SimBackend> sim_backend_;
  std::vector<std::unique_ptr<Running>> janitors_;
};

}  // namespace nvsx::janitor::testing
