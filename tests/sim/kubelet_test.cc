#include "sim/kubelet.h"

#include "core/time_format.h"
#include "gtest/gtest.h"
#include "sim/node_heartbeat.h"
#include "sim/pod_lifecycle.h"
#include "test_support/eventually.h"
#include "test_support/fake_clock.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

ResourceInfo Find(const std::string& group, const std::string& resource) {
  for (ResourceInfo& info : BuiltinResources()) {
    if (info.resource == resource && info.group == group) return info;
  }
  ADD_FAILURE() << "no resource " << resource;
  return {};
}

// The kubelet's loop runs on its own thread.
using ::nvsx::test::Eventually;

json ReadyCondition(const json& object) {
  const json conditions = object.value("status", json::object()).value("conditions", json::array());
  for (const json& condition : conditions) {
    if (condition["type"] == "Ready") return condition;
  }
  return json::object();
}

class SimKubeletTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"default", "kube-node-lease"}) {
      ASSERT_TRUE(store_.Create(namespaces_, "", {{"metadata", {{"name", name}}}}).ok());
    }
    for (const char* name : {"node-a", "node-b", "elsewhere"}) {
      ASSERT_TRUE(
          store_
              .Create(nodes_, "",
                      {{"metadata", {{"name", name}}}, {"status", {{"conditions", json::array()}}}})
              .ok());
    }
    SimKubeletOptions options;
    options.nodes = {"node-a", "node-b"};
    kubelet_ = std::make_unique<SimKubelet>(&clock_, &store_, options);
    ASSERT_TRUE(kubelet_->Start().ok());
  }
  void TearDown() override { kubelet_->Stop(); }

  json Pod(const std::string& name, const std::string& node, int64_t grace = 30,
           bool daemonset = false) {
    json pod = {{"metadata", {{"name", name}}},
                {"spec",
                 {{"terminationGracePeriodSeconds", grace},
                  {"containers", {{{"name", "main"}, {"image", "busybox"}}}}}},
                {"status", {{"phase", "Pending"}}}};
    if (!node.empty()) pod["spec"]["nodeName"] = node;
    if (daemonset) {
      pod["metadata"]["ownerReferences"] = {
          {{"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"name", "agent"}, {"uid", "u"}}};
    }
    absl::StatusOr<json> created = store_.Create(pods_, "default", pod);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  absl::StatusOr<json> GetPod(const std::string& name) {
    return store_.Get(pods_, "default", name);
  }

  std::string PodPhase(const std::string& name) {
    absl::StatusOr<json> pod = GetPod(name);
    return pod.ok() ? (*pod)["status"].value("phase", "") : "<gone>";
  }

  bool PodReady(const std::string& name) {
    absl::StatusOr<json> pod = GetPod(name);
    return pod.ok() && ReadyCondition(*pod).value("status", "") == "True";
  }

  json NodeReady(const std::string& name) {
    absl::StatusOr<json> node = store_.Get(nodes_, "", name);
    return node.ok() ? ReadyCondition(*node) : json::object();
  }

  // The kubelet has run its loop at the clock's current time: its heartbeat
  // (due every 10 s, so tests advance in steps of 10 s or more) renewed the lease.
  bool HeartbeatAtNow(const std::string& node = "node-a") {
    return Eventually([&] {
      absl::StatusOr<json> lease = store_.Get(leases_, kNodeLeaseNamespace, node);
      return lease.ok() && (*lease)["spec"]["renewTime"] == MicroTimestamp(clock_.Now());
    });
  }

  test::FakeClock clock_;
  ObjectStore store_{&clock_, {}};
  ResourceInfo namespaces_ = Find("", "namespaces");
  ResourceInfo nodes_ = Find("", "nodes");
  ResourceInfo pods_ = Find("", "pods");
  ResourceInfo leases_ = Find("coordination.k8s.io", "leases");
  std::unique_ptr<SimKubelet> kubelet_;
};

TEST_F(SimKubeletTest, BoundPodsRunWithStatusAsAKubeletWritesIt) {
  Pod("web", "node-a");
  ASSERT_TRUE(Eventually([&] { return PodPhase("web") == "Running"; }));
  json pod = *GetPod("web");
  const json& status = pod["status"];
  EXPECT_EQ(ReadyCondition(pod)["status"], "True");
  EXPECT_EQ(status["startTime"], core::FormatTimestamp(clock_.Now()));
  EXPECT_EQ(status["podIP"], "10.128.0.2");
  EXPECT_EQ(status["hostIP"], "172.16.0.2");
  ASSERT_EQ(status["containerStatuses"].size(), 1u);
  EXPECT_EQ(status["containerStatuses"][0]["name"], "main");
  EXPECT_EQ(status["containerStatuses"][0]["ready"], true);
  EXPECT_TRUE(status["containerStatuses"][0]["state"].contains("running"));

  Pod("second", "node-b");
  ASSERT_TRUE(Eventually([&] { return PodPhase("second") == "Running"; }));
  EXPECT_EQ((*GetPod("second"))["status"]["podIP"], "10.128.1.2");
}

TEST_F(SimKubeletTest, PodsOfOtherNodesAndUnboundPodsStayPending) {
  Pod("unbound", "");
  Pod("foreign", "elsewhere");
  Pod("marker", "node-a");  // the watch delivers in order: once this runs, the others were seen
  ASSERT_TRUE(Eventually([&] { return PodPhase("marker") == "Running"; }));
  EXPECT_EQ(PodPhase("unbound"), "Pending");
  EXPECT_EQ(PodPhase("foreign"), "Pending");
}

TEST_F(SimKubeletTest, GracefulDeletionEndsWhenTheGracePeriodEnds) {
  Pod("web", "node-a", /*grace=*/30);
  ASSERT_TRUE(Eventually([&] { return PodPhase("web") == "Running"; }));
  absl::StatusOr<json> marked =
      store_.Delete(pods_, "default", "web", {.grace_period_seconds = 30});
  ASSERT_TRUE(marked.ok()) << marked.status();
  EXPECT_EQ((*marked)["metadata"]["deletionGracePeriodSeconds"], 30);
  EXPECT_EQ((*marked)["metadata"]["deletionTimestamp"],
            core::FormatTimestamp(clock_.Now() + absl::Seconds(30)));

  clock_.Advance(absl::Seconds(29));
  ASSERT_TRUE(HeartbeatAtNow());
  EXPECT_EQ(PodPhase("web"), "Running");  // still terminating
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(Eventually([&] { return !GetPod("web").ok(); }));
}

TEST_F(SimKubeletTest, ASecondDeleteMayShortenTheGracePeriod) {
  Pod("web", "node-a", 30);
  ASSERT_TRUE(store_.Delete(pods_, "default", "web", {.grace_period_seconds = 30}).ok());
  absl::StatusOr<json> longer =
      store_.Delete(pods_, "default", "web", {.grace_period_seconds = 60});
  ASSERT_TRUE(longer.ok());
  EXPECT_EQ((*longer)["metadata"]["deletionGracePeriodSeconds"], 30);
  ASSERT_TRUE(store_.Delete(pods_, "default", "web", {.grace_period_seconds = 10}).ok());
  clock_.Advance(absl::Seconds(10));
  EXPECT_TRUE(Eventually([&] { return !GetPod("web").ok(); }));
}

TEST_F(SimKubeletTest, PodHeldByAFinalizerWaitsForItAfterItsGracePeriod) {
  json pod = Pod("held", "node-a", 10);
  ASSERT_TRUE(store_
                  .Mutate(
                      pods_, "default", "held",
                      [](const json& current) -> absl::StatusOr<json> {
                        json next = current;
                        next["metadata"]["finalizers"] = {"example.com/keep"};
                        return next;
                      },
                      Subresource::kMain)
                  .ok());
  ASSERT_TRUE(store_.Delete(pods_, "default", "held", {.grace_period_seconds = 10}).ok());
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<json> held = GetPod("held");
    return held.ok() && (*held)["metadata"]["deletionGracePeriodSeconds"] == 0;
  }));
  ASSERT_TRUE(store_
                  .Mutate(
                      pods_, "default", "held",
                      [](const json& current) -> absl::StatusOr<json> {
                        json next = current;
                        next["metadata"].erase("finalizers");
                        return next;
                      },
                      Subresource::kMain)
                  .ok());
  EXPECT_FALSE(GetPod("held").ok());
}

TEST_F(SimKubeletTest, NodesHeartbeatThroughTheirReadyConditionAndALease) {
  ASSERT_TRUE(HeartbeatAtNow("node-b"));
  const json first = NodeReady("node-a");
  EXPECT_EQ(first["status"], "True");
  EXPECT_EQ(first["lastHeartbeatTime"], core::FormatTimestamp(clock_.Now()));
  json lease = *store_.Get(leases_, kNodeLeaseNamespace, "node-a");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "node-a");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 40);
  EXPECT_EQ(lease["metadata"]["ownerReferences"][0]["kind"], "Node");
  EXPECT_FALSE(store_.Get(leases_, kNodeLeaseNamespace, "elsewhere").ok());

  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(HeartbeatAtNow());
  const json later = NodeReady("node-a");
  EXPECT_EQ(later["lastHeartbeatTime"], core::FormatTimestamp(clock_.Now()));
  EXPECT_EQ(later["lastTransitionTime"], first["lastTransitionTime"]);
  json node = *store_.Get(nodes_, "", "node-a");
  EXPECT_EQ(node["status"]["addresses"][0]["address"], "172.16.0.2");
}

TEST_F(SimKubeletTest, RebootTakesTheNodeDownStopsItsPodsAndBringsItBack) {
  Pod("job", "node-a");
  Pod("agent", "node-a", 30, /*daemonset=*/true);
  Pod("other", "node-b");
  ASSERT_TRUE(
      Eventually([&] { return PodReady("job") && PodReady("agent") && PodReady("other"); }));
  const std::string first_ip = (*GetPod("agent"))["status"]["podIP"];

  ASSERT_TRUE(kubelet_->RebootNode("node-a", absl::Minutes(2)).ok());
  EXPECT_FALSE(kubelet_->NodeUp("node-a"));
  EXPECT_EQ(NodeReady("node-a")["status"], "Unknown");
  json job = *GetPod("job");
  EXPECT_EQ(job["status"]["phase"], "Failed");
  EXPECT_EQ(job["status"]["reason"], "Terminated");
  EXPECT_TRUE(job["status"]["containerStatuses"][0]["state"].contains("terminated"));
  EXPECT_EQ(PodPhase("agent"), "Running");
  EXPECT_FALSE(PodReady("agent"));
  EXPECT_TRUE(PodReady("other"));

  // Down, it posts no heartbeats; its pods wait.
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(HeartbeatAtNow("node-b"));
  EXPECT_EQ(NodeReady("node-a")["status"], "Unknown");
  EXPECT_FALSE(PodReady("agent"));

  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(Eventually([&] { return NodeReady("node-a").value("status", "") == "True"; }));
  EXPECT_TRUE(kubelet_->NodeUp("node-a"));
  json node = *store_.Get(nodes_, "", "node-a");
  EXPECT_EQ(node["status"]["nodeInfo"]["bootID"].get<std::string>().size(), 36u);
  ASSERT_TRUE(Eventually([&] { return PodReady("agent"); }));
  json agent = *GetPod("agent");
  EXPECT_EQ(agent["status"]["containerStatuses"][0]["restartCount"], 1);
  EXPECT_EQ(agent["status"]["podIP"], first_ip);
  EXPECT_EQ(PodPhase("job"), "Failed");
}

TEST_F(SimKubeletTest, RebootRemovesTerminatingPodsAtOnceAndRefusesUnknownNodes) {
  Pod("leaving", "node-a", 300);
  ASSERT_TRUE(store_.Delete(pods_, "default", "leaving", {.grace_period_seconds = 300}).ok());
  ASSERT_TRUE(kubelet_->RebootNode("node-a", absl::Seconds(30)).ok());
  EXPECT_FALSE(GetPod("leaving").ok());
  absl::Status unknown = kubelet_->RebootNode("elsewhere", absl::Seconds(30));
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
}

TEST(PodLifecycleTest, DaemonSetPodsAreKnownByTheirOwner) {
  EXPECT_TRUE(IsDaemonSetPod({{"metadata", {{"ownerReferences", {{{"kind", "DaemonSet"}}}}}}}));
  EXPECT_FALSE(IsDaemonSetPod({{"metadata", {{"ownerReferences", {{{"kind", "ReplicaSet"}}}}}}}));
  EXPECT_FALSE(IsDaemonSetPod(json::object()));
}

}  // namespace
}  // namespace nvsx::sim
