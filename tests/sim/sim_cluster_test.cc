// The simulated cluster as `nvsentinel sim` runs it: seeded nodes, the
// workload, the kubelet, and stock kubectl draining a node past a PDB.

#include "sim/sim_cluster.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/rest_client.h"
#include "nlohmann/json.hpp"
#include "sim/kubelet.h"
#include "sim/sim_server_fixture.h"
#include "sim/workload.h"
#include "test_support/eventually.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;
using ::nvsx::test::Eventually;
using ::testing::HasSubstr;

class SimClusterTest : public testing::SimServerTest {
 protected:
  void Customize(ApiServerOptions& options) override { options.pod_grace_periods = true; }

  void SetUp() override {
    SimServerTest::SetUp();
    kube::RestConfig config;
    config.server = server_->url();
    kube::RestClientOptions client_options;
    client_options.clock = &clock_;
    client_options.qps = 0;
    auto client = kube::RestClient::New(config, client_options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    ASSERT_TRUE(SeedSimCluster(*client_, cluster_, clock_.Now()).ok());
    SimKubeletOptions kubelet;
    for (int i = 0; i < cluster_.nodes; ++i) kubelet.nodes.push_back(SimNodeName(cluster_, i));
    kubelet_ = std::make_unique<SimKubelet>(&clock_, &server_->store(), kubelet);
    ASSERT_TRUE(kubelet_->Start().ok());
    workload_.termination_grace_seconds = 1;
    absl::Status seeded = SeedWorkload(*client_, cluster_, workload_);
    ASSERT_TRUE(seeded.ok()) << seeded;
  }

  void TearDown() override {
    if (kubelet_) kubelet_->Stop();
    client_.reset();  // its kept-alive connection would hold the server's stop
    SimServerTest::TearDown();
  }

  json Pods(const std::string& selector = "") {
    core::SubprocessResult got = Kubectl({"get", "pods", "-A", "-o", "json", "-l", selector});
    EXPECT_TRUE(got.Succeeded()) << got.stderr_text;
    return json::parse(got.stdout_text, nullptr, false)["items"];
  }

  bool AllRunning() {
    absl::StatusOr<ListResult> pods = server_->store().List(Resource("", "v1", "pods"), "", {});
    if (!pods.ok()) return false;
    for (const auto& pod : pods->items) {
      if ((*pod)["status"].value("phase", "") != "Running") return false;
    }
    return true;
  }

  SimClusterOptions cluster_;  // 4 nodes of 8 GPUs
  WorkloadOptions workload_;   // 8 pods
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<SimKubelet> kubelet_;
};

TEST_F(SimClusterTest, WorkloadRunsAcrossTheGpuNodesWithADaemonSetPodOnEach) {
  ASSERT_TRUE(Eventually([&] { return AllRunning(); }));
  json gpu_pods = Pods("nvsx.io/workload=sim");
  ASSERT_EQ(gpu_pods.size(), 8u);
  std::map<std::string, int> per_node;
  for (const json& pod : gpu_pods) {
    ++per_node[pod["spec"]["nodeName"].get<std::string>()];
    EXPECT_EQ(pod["spec"]["containers"][0]["resources"]["requests"]["nvidia.com/gpu"], "1");
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
    EXPECT_FALSE(pod["status"]["podIP"].get<std::string>().empty());
  }
  EXPECT_EQ(per_node,
            (std::map<std::string, int>{
                {"gpu-node-0", 2}, {"gpu-node-1", 2}, {"gpu-node-2", 2}, {"gpu-node-3", 2}}));
  EXPECT_EQ(Pods("app=inference").size(), 4u);
  json agents = Pods("app=nvidia-device-plugin-daemonset");
  ASSERT_EQ(agents.size(), 4u);
  EXPECT_EQ(agents[0]["metadata"]["ownerReferences"][0]["kind"], "DaemonSet");
  core::SubprocessResult got = Kubectl({"get", "pdb", "-n", "workloads", "inference"});
  EXPECT_TRUE(got.Succeeded()) << got.stderr_text;
  // Seeding again (a restarted sim) changes nothing.
  EXPECT_TRUE(SeedWorkload(*client_, cluster_, workload_).ok());
  EXPECT_EQ(Pods("nvsx.io/workload=sim").size(), 8u);
}

TEST_F(SimClusterTest, WorkloadThatDoesNotFitIsRefused) {
  WorkloadOptions too_big;
  too_big.pods = 33;
  absl::Status refused = SeedWorkload(*client_, cluster_, too_big);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("do not fit on 4 nodes of 8 GPUs"));
}

TEST_F(SimClusterTest, KubectlDrainWaitsForTheBudgetAndSkipsDaemonSetPods) {
  ASSERT_TRUE(Eventually([&] { return AllRunning(); }));
  // gpu-node-1 runs inference-0 and inference-2: the budget (maxUnavailable 1)
  // lets one go, refuses the other until the first has terminated.
  core::SubprocessResult got =
      Kubectl({"drain", "gpu-node-1", "--ignore-daemonsets", "--timeout=90s"});
  ASSERT_TRUE(got.Succeeded()) << got.stdout_text << got.stderr_text;
  const std::string output = got.stdout_text + got.stderr_text;
  EXPECT_THAT(output, HasSubstr("disruption budget"));
  EXPECT_THAT(output, HasSubstr("pod/inference-0 evicted"));
  EXPECT_THAT(output, HasSubstr("pod/inference-2 evicted"));
  EXPECT_THAT(output, HasSubstr("node/gpu-node-1 drained"));
  json left = Pods();
  std::vector<std::string> on_node;
  for (const json& pod : left) {
    if (pod["spec"]["nodeName"] == "gpu-node-1") on_node.push_back(pod["metadata"]["name"]);
  }
  EXPECT_EQ(on_node, std::vector<std::string>{"nvidia-device-plugin-daemonset-gpu-node-1"});
}

TEST_F(SimClusterTest, KubectlDeleteWaitsForTheGracePeriod) {
  ASSERT_TRUE(Eventually([&] { return AllRunning(); }));
  core::SubprocessResult got =
      Kubectl({"delete", "pod", "-n", "workloads", "training-0", "--grace-period=1"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_THAT(got.stdout_text, HasSubstr("pod \"training-0\" deleted"));
  EXPECT_FALSE(server_->store().Get(Resource("", "v1", "pods"), "workloads", "training-0").ok());
}

TEST_F(SimClusterTest, GraceZeroAndUnboundPodsGoAtOnce) {
  ASSERT_TRUE(Eventually([&] { return AllRunning(); }));
  httplib::Client http("127.0.0.1", server_->port());
  auto deleted = http.Delete("/api/v1/namespaces/workloads/pods/training-1",
                             R"({"gracePeriodSeconds":0})", "application/json");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200);
  EXPECT_FALSE(server_->store().Get(Resource("", "v1", "pods"), "workloads", "training-1").ok());

  const ResourceInfo pods = Resource("", "v1", "pods");
  ASSERT_TRUE(server_->store()
                  .Create(pods, "workloads",
                          {{"metadata", {{"name", "unbound"}}},
                           {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}})
                  .ok());
  deleted = http.Delete("/api/v1/namespaces/workloads/pods/unbound");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200);
  EXPECT_FALSE(server_->store().Get(pods, "workloads", "unbound").ok());

  // A bound pod with the default grace period is only marked.
  deleted = http.Delete("/api/v1/namespaces/workloads/pods/training-2");
  ASSERT_TRUE(deleted);
  json marked = json::parse(deleted->body);
  EXPECT_EQ(marked["metadata"]["deletionGracePeriodSeconds"], 1);
  EXPECT_TRUE(marked["metadata"].contains("deletionTimestamp"));
}

TEST_F(SimClusterTest, EvictionMarksThePodForItsGracePeriod) {
  ASSERT_TRUE(Eventually([&] { return AllRunning(); }));
  httplib::Client http("127.0.0.1", server_->port());
  auto evicted =
      http.Post("/api/v1/namespaces/workloads/pods/training-0/eviction",
                R"({"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"training-0"},)"
                R"("deleteOptions":{"gracePeriodSeconds":3}})",
                "application/json");
  ASSERT_TRUE(evicted);
  EXPECT_EQ(evicted->status, 201);
  absl::StatusOr<json> pod =
      server_->store().Get(Resource("", "v1", "pods"), "workloads", "training-0");
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ((*pod)["metadata"]["deletionGracePeriodSeconds"], 3);
  EXPECT_TRUE(Eventually([&] {
    return !server_->store().Get(Resource("", "v1", "pods"), "workloads", "training-0").ok();
  }));
}

TEST_F(SimClusterTest, KubeletHeartbeatsShowAsNodeLeases) {
  core::SubprocessResult got = Kubectl({"get", "leases", "-n", "kube-node-lease", "-o", "name"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_EQ(got.stdout_text,
            "lease.coordination.k8s.io/gpu-node-0\nlease.coordination.k8s.io/gpu-node-1\n"
            "lease.coordination.k8s.io/gpu-node-2\nlease.coordination.k8s.io/gpu-node-3\n");
}

TEST_F(SimClusterTest, RebootedNodeGoesNotReadyThenReady) {
  ASSERT_TRUE(Eventually([&] { return AllRunning(); }));
  ASSERT_TRUE(kubelet_->RebootNode("gpu-node-2", absl::Seconds(1)).ok());
  EXPECT_FALSE(kubelet_->NodeUp("gpu-node-2"));
  core::SubprocessResult got = Kubectl({"get", "node", "gpu-node-2", "--no-headers"});
  EXPECT_TRUE(got.Succeeded()) << got.stderr_text;
  // Down for a second: kubectl may already see it back.
  EXPECT_TRUE(got.stdout_text.find("NotReady") != std::string::npos ||
              kubelet_->NodeUp("gpu-node-2"))
      << got.stdout_text;
  EXPECT_TRUE(Eventually([&] {
    core::SubprocessResult now = Kubectl({"get", "node", "gpu-node-2", "--no-headers"});
    return now.stdout_text.find(" Ready ") != std::string::npos;
  }));
  json failed = Pods("app=training");
  int terminated = 0;
  for (const json& pod : failed) terminated += pod["status"]["phase"] == "Failed" ? 1 : 0;
  EXPECT_EQ(terminated, 2);  // training-1 and training-3 ran on gpu-node-2
}

}  // namespace
}  // namespace nvsx::sim
