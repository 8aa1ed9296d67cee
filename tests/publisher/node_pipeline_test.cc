// The sim's node side: fault requests through the API server reach a node's
// simulated GPUs and come back as HealthEvents through the production path.
#include <gtest/gtest.h>

#include "publisher/health_event_spec.h"
#include "sim_cluster_fixture.h"
#include "sim_nodes/sim_nodes.h"

namespace nvsx::sim_nodes {
namespace {

class SimNodesTest : public testing::SimClusterTest {
 protected:
  void SetUp() override {
    StartCluster();
    SimNodesOptions options;
    for (int i = 0; i < cluster_.nodes; ++i)
      options.node_names.push_back(sim::SimNodeName(cluster_, i));
    options.gpus_per_node = cluster_.gpus_per_node;
    options.api_server = config_;
    options.eager_nodes = 1;  // gpu-node-1 starts on its first fault
    options.pipeline.provider.sample_interval = absl::Milliseconds(50);
    nodes_ = std::make_unique<SimNodes>(&clock_, core::Logger::Discard(), options);
    ASSERT_TRUE(nodes_->Start().ok());
  }

  void TearDown() override {
    nodes_->Stop();
    StopCluster();
  }

  std::vector<nlohmann::json> WaitForEvents(size_t count) {
    std::vector<nlohmann::json> items;
    for (int i = 0; i < 500 && items.size() != count; ++i) {
      if (i > 0) absl::SleepFor(absl::Milliseconds(20));
      auto list = client_->List(publisher::HealthEventsResource());
      if (list.ok()) items = (*list)["items"].get<std::vector<nlohmann::json>>();
    }
    return items;
  }

  std::unique_ptr<SimNodes> nodes_;
};

TEST_F(SimNodesTest, AnInjectedXidBecomesAHealthEventOfThatNodeAndGpu) {
  EXPECT_NE(nodes_->Find("gpu-node-0"), nullptr);
  EXPECT_EQ(nodes_->Find("gpu-node-1"), nullptr);
  EXPECT_EQ(Request({.node = "gpu-node-1", .gpu = 3, .xid = 79}),
            "applied: XID 79 on gpu-node-1 GPU 3");
  EXPECT_NE(nodes_->Find("gpu-node-1"), nullptr);
  const std::vector<nlohmann::json> events = WaitForEvents(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["spec"]["nodeName"], "gpu-node-1");
  EXPECT_EQ(events[0]["spec"]["errorCode"], nlohmann::json::array({"79"}));
  EXPECT_EQ(events[0]["spec"]["entitiesImpacted"][0]["entityValue"], "3");
}

TEST_F(SimNodesTest, FaultsWithoutAnXidAndClearTravelTheSameWay) {
  EXPECT_EQ(Request({.node = "gpu-node-0", .gpu = 1, .fault = nvml::SimFault::kDriverHang}),
            "applied: fault driver-hang on gpu-node-0 GPU 1");
  std::vector<nlohmann::json> events = WaitForEvents(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["spec"]["checkName"], "GpuDriverWatch");
  EXPECT_EQ(Request({.node = "gpu-node-0", .gpu = 1, .clear = true}),
            "applied: clear on gpu-node-0 GPU 1");
  for (int i = 0; i < 500 && !events[0]["spec"].value("isHealthy", false); ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    events = WaitForEvents(1);
  }
  EXPECT_EQ(events[0]["spec"]["isHealthy"], true);
}

TEST_F(SimNodesTest, ABadRequestGetsAResultThatSaysWhy) {
  EXPECT_EQ(Request({.node = "gpu-node-9", .gpu = 0, .xid = 79}),
            "failed: no simulated GPU node \"gpu-node-9\"");
  const std::string result = Request({.node = "gpu-node-0", .gpu = 7, .xid = 79});
  EXPECT_TRUE(result.starts_with("failed: ")) << result;
}

TEST(FaultRequestTest, TheConfigMapRoundTrips) {
  const FaultRequest request{.node = "gpu-node-2", .gpu = 5, .fault = nvml::SimFault::kNvlink};
  const nlohmann::json config_map = FaultRequestConfigMap(request);
  EXPECT_EQ(config_map["metadata"]["labels"][std::string(kFaultRequestLabel)], "true");
  EXPECT_EQ(config_map["data"]["fault"], "nvlink");
  absl::StatusOr<FaultRequest> parsed = ParseFaultRequest(config_map);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->node, "gpu-node-2");
  EXPECT_EQ(parsed->gpu, 5);
  EXPECT_EQ(parsed->fault, nvml::SimFault::kNvlink);
  EXPECT_FALSE(parsed->xid.has_value());
}

TEST(FaultRequestTest, IncompleteOrContradictoryRequestsAreRefused) {
  EXPECT_FALSE(ValidateFaultRequest({.node = "n", .gpu = 0}).ok());
  EXPECT_FALSE(ValidateFaultRequest({.node = "", .gpu = 0, .xid = 79}).ok());
  EXPECT_FALSE(ValidateFaultRequest({.node = "n", .gpu = -1, .xid = 79}).ok());
  EXPECT_FALSE(
      ValidateFaultRequest({.node = "n", .gpu = 0, .xid = 79, .fault = nvml::SimFault::kEcc}).ok());
  EXPECT_TRUE(ValidateFaultRequest({.node = "n", .gpu = 0, .clear = true}).ok());
  nlohmann::json bad = FaultRequestConfigMap({.node = "n", .gpu = 0, .xid = 79});
  bad["data"]["xid"] = "seventy-nine";
  EXPECT_EQ(ParseFaultRequest(bad).status().message(),
            "fault request data.xid: \"seventy-nine\" is not a number");
}

TEST(FaultRequestTest, RebootAndGpuResetRequestsRoundTrip) {
  const FaultRequest reboot{.node = "gpu-node-1", .reboot_downtime = absl::Seconds(90)};
  nlohmann::json config_map = FaultRequestConfigMap(reboot);
  EXPECT_EQ(config_map["data"], nlohmann::json({{"node", "gpu-node-1"}, {"reboot", "1m30s"}}));
  absl::StatusOr<FaultRequest> parsed = ParseFaultRequest(config_map);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->reboot_downtime, absl::Seconds(90));
  EXPECT_EQ(DescribeFaultRequest(*parsed), "reboot of gpu-node-1 (down 1m30s)");

  const FaultRequest some{.node = "gpu-node-1",
                          .reset_gpus = std::vector<std::string>{"0", "GPU-x"}};
  parsed = ParseFaultRequest(FaultRequestConfigMap(some));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->reset_gpus, (std::vector<std::string>{"0", "GPU-x"}));
  EXPECT_EQ(DescribeFaultRequest(*parsed), "GPU reset of gpu-node-1 GPUs 0,GPU-x");

  const FaultRequest every{.node = "gpu-node-1", .reset_gpus = std::vector<std::string>{}};
  EXPECT_EQ(FaultRequestConfigMap(every)["data"]["reset"], "all");
  parsed = ParseFaultRequest(FaultRequestConfigMap(every));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->reset_gpus, std::vector<std::string>{});
  EXPECT_EQ(DescribeFaultRequest(*parsed), "GPU reset of gpu-node-1 (every GPU)");
}

TEST(FaultRequestTest, ARequestAsksForOneThing) {
  EXPECT_EQ(
      ValidateFaultRequest({.node = "n", .xid = 79, .reboot_downtime = absl::Seconds(1)}).message(),
      "one request asks for one thing: a fault, a clear, a reboot or a GPU reset");
  EXPECT_FALSE(ValidateFaultRequest({.node = "n", .reboot_downtime = absl::Seconds(-1)}).ok());
  EXPECT_FALSE(
      ValidateFaultRequest({.node = "n", .reset_gpus = std::vector<std::string>{""}}).ok());
  // The GPU index is not used by a reboot.
  EXPECT_TRUE(
      ValidateFaultRequest({.node = "n", .gpu = -1, .reboot_downtime = absl::Seconds(1)}).ok());
}

TEST_F(SimNodesTest, ARebootWithoutAKubeletSaysSo) {
  const std::string result = Request({.node = "gpu-node-0", .reboot_downtime = absl::Seconds(1)});
  EXPECT_TRUE(result.starts_with("failed: this simulated cluster has no kubelet")) << result;
  EXPECT_EQ(Request({.node = "gpu-node-0", .reset_gpus = std::vector<std::string>{"9"}}),
            "failed: GPU \"9\" is not one of the 4 GPUs of gpu-node-0 (give an index from 0 or "
            "a UUID)");
}

}  // namespace
}  // namespace nvsx::sim_nodes
