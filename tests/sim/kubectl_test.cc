#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sim/sim_server_fixture.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class KubectlTest : public testing::SimServerTest {
 protected:
  void AddNode(const std::string& name) {
    json node = {
        {"metadata",
         {{"name", name}, {"labels", {{"nvidia.com/gpu.present", "true"}, {"pool", "a"}}}}},
        {"spec", json::object()},
        {"status",
         {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}},
          {"capacity", {{"nvidia.com/gpu", "8"}}},
          {"nodeInfo", {{"kubeletVersion", "v1.32.0"}}}}}};
    ASSERT_TRUE(server_->store().Create(Resource("", "v1", "nodes"), "", node).ok());
  }
  json NodeJson(const std::string& name) {
    core::SubprocessResult got = Kubectl({"get", "node", name, "-o", "json"});
    EXPECT_TRUE(got.Succeeded()) << got.stderr_text;
    return json::parse(got.stdout_text, nullptr, false);
  }
};

TEST_F(KubectlTest, GetNodesPrintsTableColumns) {
  AddNode("gpu-node-1");
  AddNode("gpu-node-2");
  core::SubprocessResult got = Kubectl({"get", "nodes"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_THAT(got.stdout_text, HasSubstr("NAME"));
  EXPECT_THAT(got.stdout_text, HasSubstr("STATUS"));
  EXPECT_THAT(got.stdout_text, HasSubstr("gpu-node-1   Ready"));
  EXPECT_THAT(got.stdout_text, HasSubstr("gpu-node-2"));
  EXPECT_THAT(got.stdout_text, HasSubstr("v1.32.0"));
}

TEST_F(KubectlTest, DiscoveryIsTwoRequestsWithAnEmptyCache) {
  AddNode("n1");
  // -v=6 logs each request. Had kubectl refused the aggregated documents, it
  // would fall back to one request per group version (/apis/policy/v1, ...).
  core::SubprocessResult got = Kubectl({"get", "nodes", "-v=6"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  std::vector<std::string> requests;
  std::istringstream log(got.stderr_text);
  for (std::string line; std::getline(log, line);) {
    const size_t get = line.find("GET http");
    if (get != std::string::npos) requests.push_back(line.substr(get));
  }
  ASSERT_EQ(requests.size(), 3u) << got.stderr_text;
  EXPECT_THAT(requests[0], HasSubstr("/api?"));
  EXPECT_THAT(requests[1], HasSubstr("/apis?"));
  EXPECT_THAT(requests[2], HasSubstr("/api/v1/nodes?"));
}

TEST_F(KubectlTest, GetJsonAndSelectors) {
  AddNode("n1");
  core::SubprocessResult got = Kubectl({"get", "nodes", "-o", "json", "-l", "pool in (a,b)"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  json list = json::parse(got.stdout_text);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "n1");
  EXPECT_EQ(list["items"][0]["status"]["capacity"]["nvidia.com/gpu"], "8");
  got = Kubectl({"get", "nodes", "-o", "name", "-l", "!pool"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_EQ(got.stdout_text, "");
  got = Kubectl({"get", "node", "missing"});
  EXPECT_FALSE(got.Succeeded());
  EXPECT_THAT(got.stderr_text, HasSubstr("nodes \"missing\" not found"));
}

TEST_F(KubectlTest, CordonAndUncordon) {
  AddNode("n1");
  core::SubprocessResult got = Kubectl({"cordon", "n1"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_THAT(got.stdout_text, HasSubstr("node/n1 cordoned"));
  EXPECT_EQ(NodeJson("n1")["spec"]["unschedulable"], true);
  got = Kubectl({"get", "nodes"});
  EXPECT_THAT(got.stdout_text, HasSubstr("Ready,SchedulingDisabled"));
  got = Kubectl({"uncordon", "n1"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_THAT(got.stdout_text, HasSubstr("node/n1 uncordoned"));
  EXPECT_FALSE(NodeJson("n1")["spec"].contains("unschedulable"));
}

TEST_F(KubectlTest, LabelAnnotateAndTaint) {
  AddNode("n1");
  ASSERT_TRUE(Kubectl({"label", "node", "n1", "rack=r7"}).Succeeded());
  ASSERT_TRUE(Kubectl({"label", "node", "n1", "pool-"}).Succeeded());
  ASSERT_TRUE(Kubectl({"annotate", "node", "n1", "nvsx.io/quarantined-by=controller"}).Succeeded());
  core::SubprocessResult tainted =
      Kubectl({"taint", "node", "n1", "nvidia.com/gpu-fault=xid79:NoSchedule"});
  ASSERT_TRUE(tainted.Succeeded()) << tainted.stderr_text;
  json node = NodeJson("n1");
  EXPECT_EQ(node["metadata"]["labels"]["rack"], "r7");
  EXPECT_FALSE(node["metadata"]["labels"].contains("pool"));
  EXPECT_EQ(node["metadata"]["annotations"]["nvsx.io/quarantined-by"], "controller");
  ASSERT_EQ(node["spec"]["taints"].size(), 1u);
  EXPECT_EQ(node["spec"]["taints"][0]["key"], "nvidia.com/gpu-fault");
  EXPECT_EQ(node["spec"]["taints"][0]["value"], "xid79");
  EXPECT_EQ(node["spec"]["taints"][0]["effect"], "NoSchedule");
  core::SubprocessResult untainted = Kubectl({"taint", "node", "n1", "nvidia.com/gpu-fault-"});
  ASSERT_TRUE(untainted.Succeeded()) << untainted.stderr_text;
  EXPECT_FALSE(NodeJson("n1")["spec"].contains("taints") &&
               !NodeJson("n1")["spec"]["taints"].empty());
  core::SubprocessResult selected = Kubectl({"get", "nodes", "-l", "rack=r7", "-o", "name"});
  EXPECT_EQ(selected.stdout_text, "node/n1\n");
}

constexpr char kCrd[] = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: healthevents.nvsentinel.nvidia.com
spec:
  group: nvsentinel.nvidia.com
  scope: Cluster
  names:
    plural: healthevents
    singular: healthevent
    kind: HealthEvent
    shortNames: [he]
  versions:
  - name: v1alpha1
    served: true
    storage: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - name: Node
      type: string
      jsonPath: .spec.nodeName
    - name: XID
      type: integer
      jsonPath: .spec.xid
    - name: Phase
      type: string
      jsonPath: .status.phase
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [nodeName]
            properties:
              nodeName: {type: string}
              xid: {type: integer}
              check: {type: string, enum: [xid, ecc, nvlink, thermal]}
          status:
            type: object
            properties:
              phase: {type: string}
)";

constexpr char kEvent[] = R"(apiVersion: nvsentinel.nvidia.com/v1alpha1
kind: HealthEvent
metadata:
  name: gpu-node-1-xid79
spec:
  nodeName: gpu-node-1
  xid: 79
  check: xid
)";

TEST_F(KubectlTest, ApplyCrdAndCustomResourceThenGetWithPrinterColumns) {
  core::SubprocessResult applied = Kubectl({"apply", "-f", WriteFile("crd.yaml", kCrd).string()});
  ASSERT_TRUE(applied.Succeeded()) << applied.stderr_text;
  EXPECT_THAT(applied.stdout_text, HasSubstr("customresourcedefinition.apiextensions.k8s.io/"
                                             "healthevents.nvsentinel.nvidia.com created"));
  applied = Kubectl({"apply", "-f", WriteFile("event.yaml", kEvent).string()});
  ASSERT_TRUE(applied.Succeeded()) << applied.stderr_text;
  EXPECT_THAT(applied.stdout_text,
              HasSubstr("healthevent.nvsentinel.nvidia.com/gpu-node-1-xid79 created"));

  core::SubprocessResult got = Kubectl({"get", "healthevents"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_THAT(got.stdout_text, HasSubstr("NAME"));
  EXPECT_THAT(got.stdout_text, HasSubstr("NODE"));
  EXPECT_THAT(got.stdout_text, HasSubstr("XID"));
  EXPECT_THAT(got.stdout_text, HasSubstr("PHASE"));
  EXPECT_THAT(got.stdout_text, HasSubstr("gpu-node-1-xid79"));
  EXPECT_THAT(got.stdout_text, HasSubstr("79"));
  core::SubprocessResult explained = Kubectl({"explain", "healthevents.spec"});
  ASSERT_TRUE(explained.Succeeded()) << explained.stderr_text;
  EXPECT_THAT(explained.stdout_text, HasSubstr("nodeName"));
  EXPECT_THAT(explained.stdout_text, HasSubstr("KIND:       HealthEvent"));
  got = Kubectl({"get", "he", "-o", "jsonpath={.items[0].spec.nodeName}"});
  EXPECT_EQ(got.stdout_text, "gpu-node-1") << got.stderr_text;

  // Re-applying a change patches (merge patch for custom resources).
  std::string changed = kEvent;
  changed.replace(changed.find("xid: 79"), 7, "xid: 48");
  applied = Kubectl({"apply", "-f", WriteFile("event2.yaml", changed).string()});
  ASSERT_TRUE(applied.Succeeded()) << applied.stderr_text;
  EXPECT_THAT(applied.stdout_text, HasSubstr("configured"));
  got = Kubectl({"get", "healthevent", "gpu-node-1-xid79", "-o", "jsonpath={.spec.xid}"});
  EXPECT_EQ(got.stdout_text, "48");

  // Schema violations are 422 with each bad field.
  std::string bad = kEvent;
  bad.replace(bad.find("check: xid"), 10, "check: cosmic-rays");
  bad.replace(bad.find("gpu-node-1-xid79"), 16, "bad-event");
  core::SubprocessResult rejected = Kubectl({"create", "-f", WriteFile("bad.yaml", bad).string()});
  EXPECT_FALSE(rejected.Succeeded());
  EXPECT_THAT(rejected.stderr_text, HasSubstr("spec.check"));
  EXPECT_THAT(rejected.stderr_text, HasSubstr("Unsupported value"));

  core::SubprocessResult deleted = Kubectl({"delete", "-f", (dir_ / "event2.yaml").string()});
  ASSERT_TRUE(deleted.Succeeded()) << deleted.stderr_text;
  got = Kubectl({"get", "healthevents", "-o", "name"});
  EXPECT_EQ(got.stdout_text, "");
  deleted = Kubectl({"delete", "-f", (dir_ / "crd.yaml").string()});
  ASSERT_TRUE(deleted.Succeeded()) << deleted.stderr_text;
}

TEST_F(KubectlTest, DescribeNodeAndPod) {
  AddNode("n1");
  ASSERT_TRUE(server_->store()
                  .Create(Resource("", "v1", "pods"), "default",
                          {{"metadata", {{"name", "trainer"}}},
                           {"spec",
                            {{"nodeName", "n1"},
                             {"containers", {{{"name", "main"}, {"image", "cuda:12"}}}}}}})
                  .ok());
  core::SubprocessResult node = Kubectl({"describe", "node", "n1"});
  ASSERT_TRUE(node.Succeeded()) << node.stderr_text;
  EXPECT_THAT(node.stdout_text, HasSubstr("Name:"));
  EXPECT_THAT(node.stdout_text, HasSubstr("nvidia.com/gpu.present=true"));
  EXPECT_THAT(node.stdout_text, HasSubstr("trainer")) << "pods on the node, by field selector";
  core::SubprocessResult pod = Kubectl({"describe", "pod", "trainer"});
  ASSERT_TRUE(pod.Succeeded()) << pod.stderr_text;
  EXPECT_THAT(pod.stdout_text, HasSubstr("cuda:12"));
  core::SubprocessResult pods = Kubectl({"get", "pods", "-A"});
  ASSERT_TRUE(pods.Succeeded()) << pods.stderr_text;
  EXPECT_THAT(pods.stdout_text, HasSubstr("trainer"));
  EXPECT_THAT(pods.stdout_text, HasSubstr("Pending"));
}

TEST_F(KubectlTest, GetWatchPrintsChanges) {
  AddNode("n1");
  std::thread writer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    Kubectl({"label", "node", "n1", "seen=yes"});
    AddNode("n2");
  });
  core::SubprocessOptions options;
  options.argv = {"kubectl", "--cache-dir", (dir_ / "kube-cache").string(), "get", "nodes", "-w",
                  "-o",      "name"};
  options.env = env_;
  options.timeout = absl::Seconds(4);
  absl::StatusOr<core::SubprocessResult> watched = core::RunSubprocess(options);
  writer.join();
  ASSERT_TRUE(watched.ok()) << watched.status();
  EXPECT_TRUE(watched->timed_out);
  EXPECT_THAT(watched->stdout_text, HasSubstr("node/n1\nnode/n1\nnode/n2"))
      << watched->stdout_text << watched->stderr_text;
}

TEST_F(KubectlTest, DrainWaitsForDisruptionBudget) {
  AddNode("n1");
  const ResourceInfo pods = Resource("", "v1", "pods");
  for (const char* name : {"a", "b"}) {
    json pod = {{"metadata", {{"name", name}, {"labels", {{"app", "train"}}}}},
                {"spec", {{"nodeName", "n1"}, {"containers", {{{"name", "c"}, {"image", "i"}}}}}}};
    ASSERT_TRUE(server_->store().Create(pods, "default", pod).ok());
    pod = *server_->store().Get(pods, "default", name);
    pod["status"] = {{"phase", "Running"}};
    ASSERT_TRUE(server_->store().Update(pods, "default", name, pod, Subresource::kStatus).ok());
  }
  const char* pdb = R"(apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: train
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: train
)";
  ASSERT_TRUE(Kubectl({"apply", "-f", WriteFile("pdb.yaml", pdb).string()}).Succeeded());
  core::SubprocessResult blocked =
      Kubectl({"drain", "n1", "--force", "--ignore-daemonsets", "--timeout=3s"});
  EXPECT_FALSE(blocked.Succeeded());
  EXPECT_THAT(blocked.stderr_text + blocked.stdout_text, HasSubstr("disruption budget"));
  EXPECT_EQ(NodeJson("n1")["spec"]["unschedulable"], true) << "drain cordons first";
  EXPECT_EQ(server_->store().List(pods, "default", {})->items.size(), 2u);

  ASSERT_TRUE(
      Kubectl({"patch", "pdb", "train", "--type=merge", "-p", R"({"spec":{"minAvailable":0}})"})
          .Succeeded());
  core::SubprocessResult drained =
      Kubectl({"drain", "n1", "--force", "--ignore-daemonsets", "--timeout=20s"});
  ASSERT_TRUE(drained.Succeeded()) << drained.stderr_text;
  EXPECT_THAT(drained.stdout_text, HasSubstr("node/n1 drained"));
  EXPECT_TRUE(server_->store().List(pods, "default", {})->items.empty());
}

TEST_F(KubectlTest, ServerSideApplyCreatesThenMerges) {
  const std::string first = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  mode: fast
)";
  core::SubprocessResult got =
      Kubectl({"apply", "--server-side", "-f", WriteFile("cm.yaml", first).string()});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_THAT(got.stdout_text, HasSubstr("configmap/settings serverside-applied"));
  const std::string second = first + "  level: \"3\"\n";
  got = Kubectl({"apply", "--server-side", "-f", WriteFile("cm2.yaml", second).string()});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  got = Kubectl({"get", "configmap", "settings", "-o", "json"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_EQ(json::parse(got.stdout_text)["data"], (json{{"mode", "fast"}, {"level", "3"}}));
}

}  // namespace
}  // namespace nvsx::sim
