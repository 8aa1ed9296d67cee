// Node agents outside the sim (`nvsentinel sim --node-agents external`): the
// sim serves only reboots, and a standalone provider's simulated GPUs take
// their node's fault requests and reset when the node comes back with a new
// boot ID.
#include "sim_nodes/node_agent_gpus.h"

#include <gtest/gtest.h>

#include "sim_cluster_fixture.h"
#include "sim_nodes/sim_nodes.h"

namespace nvsx::sim_nodes {
namespace {

class NodeAgentGpusTest : public testing::SimClusterTest {
 protected:
  void SetUp() override {
    StartCluster();
    SetBootId("boot-1");

    SimNodesOptions options;
    for (int i = 0; i < cluster_.nodes; ++i) {
      options.node_names.push_back(sim::SimNodeName(cluster_, i));
    }
    options.gpus_per_node = cluster_.gpus_per_node;
    options.api_server = config_;
    options.external_agents = true;
    options.reboot_node = [this](const std::string& node, absl::Duration) {
      rebooted_ = node;
      SetBootId("boot-2");  // as the kubelet does when the node comes back
      return absl::OkStatus();
    };
    nodes_ = std::make_unique<SimNodes>(&clock_, core::Logger::Discard(), options);
    ASSERT_TRUE(nodes_->Start().ok());

    nvml::SimGpuBackendOptions gpu_options;
    gpu_options.node_name = "gpu-node-0";
    gpu_options.gpu_count = cluster_.gpus_per_node;
    gpu_options.clock = &clock_;
    gpus_ = std::make_unique<nvml::SimGpuBackend>(gpu_options);
    agent_ = std::make_unique<NodeAgentGpus>(client_.get(), &clock_, gpus_.get(), "gpu-node-0",
                                             cluster_.gpus_per_node, core::Logger::Discard());
    agent_->Start();
  }

  void TearDown() override {
    agent_->Stop();
    nodes_->Stop();
    StopCluster();
  }

  void SetBootId(const std::string& boot_id) {
    auto patched = client_->Patch(
        kube::ResourceRef{.group = "", .version = "v1", .resource = "nodes", .name = "gpu-node-0"}
            .WithSubresource("status"),
        kube::PatchType::kMerge, {{"status", {{"nodeInfo", {{"bootID", boot_id}}}}}});
    ASSERT_TRUE(patched.ok()) << patched.status();
  }

  // Reads GPU `index` until `done` holds (at most 5 s); whether it did.
  template <typename Done>
  bool Eventually(int index, Done done) {
    for (int i = 0; i < 250; ++i) {
      absl::StatusOr<nvml::GpuSample> sample = gpus_->Sample(index);
      if (sample.ok() && done(*sample)) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  std::unique_ptr<SimNodes> nodes_;
  std::unique_ptr<nvml::SimGpuBackend> gpus_;
  std::unique_ptr<NodeAgentGpus> agent_;
  std::string rebooted_;
};

TEST_F(NodeAgentGpusTest, GpuRequestsOfItsNodeReachItsGpusAndTheSimRunsNoPipeline) {
  EXPECT_EQ(Request({.node = "gpu-node-0", .gpu = 2, .xid = 79}),
            "applied: XID 79 on gpu-node-0 GPU 2");
  auto xid = gpus_->WaitForXid(absl::Seconds(1));
  ASSERT_TRUE(xid.ok() && xid->has_value());
  EXPECT_EQ((*xid)->gpu_index, 2);
  EXPECT_EQ((*xid)->xid, 79u);
  EXPECT_EQ(nodes_->Find("gpu-node-0"), nullptr) << "the node's agents run elsewhere";
  EXPECT_EQ(Request({.node = "gpu-node-0", .gpu = 9, .xid = 79}).rfind("failed: ", 0), 0u);
  // No agent for gpu-node-1, and the sim leaves its GPUs to one.
  EXPECT_EQ(Request({.node = "gpu-node-1", .gpu = 0, .xid = 79}, absl::Milliseconds(500)),
            "no result");
}

TEST_F(NodeAgentGpusTest, TheSimRebootsTheNodeAndTheNewBootIdResetsItsGpus) {
  EXPECT_EQ(Request({.node = "gpu-node-0", .gpu = 1, .fault = nvml::SimFault::kThermal}),
            "applied: fault thermal on gpu-node-0 GPU 1");
  ASSERT_TRUE(Eventually(1, [](const nvml::GpuSample& s) { return s.throttle_reasons != 0; }));
  EXPECT_EQ(Request({.node = "gpu-node-0", .reboot_downtime = absl::Seconds(1)}),
            "applied: reboot of gpu-node-0 (down 1s)");
  EXPECT_EQ(rebooted_, "gpu-node-0");
  EXPECT_TRUE(Eventually(1, [](const nvml::GpuSample& s) {
    return s.unresponsive == nvml::Unresponsive::kNo && s.throttle_reasons == 0;
  })) << "a reboot resets the GPUs";
}

TEST(ServesTest, TheSimServesRebootsOnlyWhenAgentsRunOutside) {
  core::SystemClock clock;
  SimNodes inside(&clock, core::Logger::Discard(), SimNodesOptions{});
  SimNodes outside(&clock, core::Logger::Discard(), SimNodesOptions{.external_agents = true});
  const FaultRequest xid{.node = "n", .gpu = 0, .xid = 79};
  const FaultRequest reboot{.node = "n", .reboot_downtime = absl::Seconds(1)};
  EXPECT_TRUE(inside.Serves(xid));
  EXPECT_TRUE(inside.Serves(reboot));
  EXPECT_FALSE(outside.Serves(xid));
  EXPECT_TRUE(outside.Serves(reboot));
  EXPECT_TRUE(outside.AnswersMalformed());
}

}  // namespace
}  // namespace nvsx::sim_nodes
