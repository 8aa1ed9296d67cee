// GET pods/NAME/log on the embedded API server, as the real one answers it:
// plain and followed, its parameters, its errors; driven over HTTP, by stock
// kubectl (`kubectl logs`, `kubectl logs -f`) and by our client.
#include <atomic>
#include <chrono>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "kube/api_error.h"
#include "kube/pod_log.h"
#include "kube/rest_client.h"
#include "nlohmann/json.hpp"
#include "sim/kubelet.h"
#include "sim/sim_server_fixture.h"
#include "test_support/eventually.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;
using ::nvsx::test::Eventually;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class PodLogHttpTest : public testing::SimServerTest {
 protected:
  void SetUp() override {
    SimServerTest::SetUp();
    ASSERT_TRUE(server_->store()
                    .Create(Resource("", "v1", "nodes"), "", {{"metadata", {{"name", "n1"}}}})
                    .ok());
    SimKubeletOptions options;
    options.nodes = {"n1"};
    options.pod_logs = &server_->pod_logs();
    kubelet_ = std::make_unique<SimKubelet>(&clock_, &server_->store(), options);
    ASSERT_TRUE(kubelet_->Start().ok());
  }
  void TearDown() override {
    kubelet_->Stop();
    SimServerTest::TearDown();
  }

  // A pod on `node` (run by the kubelet when it is n1) with these containers.
  void Pod(const std::string& name, std::vector<std::string> containers,
           const std::string& node = "n1", json labels = json::object()) {
    json specs = json::array();
    for (const std::string& container : containers) {
      specs.push_back({{"name", container}, {"image", "busybox"}});
    }
    json pod = {{"metadata", {{"name", name}, {"labels", labels}}},
                {"spec", {{"containers", specs}}}};
    if (!node.empty()) pod["spec"]["nodeName"] = node;
    ASSERT_TRUE(server_->store().Create(Resource("", "v1", "pods"), "default", pod).ok());
  }

  PodLogKey Key(const std::string& name) {
    absl::StatusOr<json> pod = server_->store().Get(Resource("", "v1", "pods"), "default", name);
    return {"default", name, pod.ok() ? (*pod)["metadata"].value("uid", "") : ""};
  }

  // Waits until the kubelet started `container` of the pod.
  void WaitStarted(const std::string& name, const std::string& container = "main") {
    ASSERT_TRUE(Eventually([&] {
      return server_->pod_logs().Open(Key(name), container, false, {}, {}).ok();
    })) << name
        << " never started";
  }

  void Print(const std::string& name, std::vector<std::string> lines,
             const std::string& container = "main") {
    server_->pod_logs().Append(Key(name), container, clock_.Now(), lines);
  }

  httplib::Result Get(const std::string& path) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(20, 0);
    return client.Get(path);
  }

  std::unique_ptr<kube::RestClient> Client() {
    kube::RestConfig config;
    config.server = server_->url();
    kube::RestClientOptions options;
    options.clock = &clock_;
    options.qps = 0;
    return *kube::RestClient::New(config, options);
  }

  std::unique_ptr<SimKubelet> kubelet_;
};

constexpr char kLog[] = "/api/v1/namespaces/default/pods/web/log";

TEST_F(PodLogHttpTest, ServesAContainersLogAsPlainText) {
  Pod("web", {"main"});
  WaitStarted("web");
  Print("web", {"one", "two", "three"});
  httplib::Result got = Get(kLog);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->get_header_value("Content-Type"), "text/plain");
  EXPECT_EQ(got->body, "one\ntwo\nthree\n");
  EXPECT_EQ(Get(std::string(kLog) + "?tailLines=1")->body, "three\n");
  EXPECT_EQ(Get(std::string(kLog) + "?container=main&limitBytes=6")->body, "one\ntw");
  const std::string stamped = Get(std::string(kLog) + "?timestamps=true")->body;
  EXPECT_THAT(stamped.substr(0, stamped.find('\n')),
              ::testing::MatchesRegex(R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z one)"));
  EXPECT_THAT(stamped, HasSubstr("Z three\n"));
  EXPECT_EQ(Get(std::string(kLog) + "?sinceSeconds=3600")->body, "one\ntwo\nthree\n");
}

TEST_F(PodLogHttpTest, BadRequestsAreAnsweredAsTheRealServerAnswersThem) {
  Pod("web", {"main"});
  Pod("two", {"a", "b"});
  Pod("waiting", {"main"}, "elsewhere");  // bound to a node no kubelet runs
  Pod("unbound", {"main"}, "");
  WaitStarted("web");
  auto expect = [&](const std::string& path, int code, const std::string& message) {
    httplib::Result got = Get(path);
    ASSERT_TRUE(got) << path;
    EXPECT_EQ(got->status, code) << path;
    json status = json::parse(got->body, nullptr, false);
    EXPECT_EQ(status.value("kind", ""), "Status") << got->body;
    EXPECT_EQ(status.value("code", 0), code);
    EXPECT_THAT(status.value("message", ""), HasSubstr(message)) << path;
  };
  expect("/api/v1/namespaces/default/pods/nope/log", 404, "pods \"nope\" not found");
  expect(std::string(kLog) + "?container=nope", 400, "container nope is not valid for pod web");
  expect("/api/v1/namespaces/default/pods/two/log", 400,
         "a container name must be specified for pod two, choose one of: [a b]");
  expect("/api/v1/namespaces/default/pods/waiting/log", 400,
         "container \"main\" in pod \"waiting\" is waiting to start: ContainerCreating");
  expect(std::string(kLog) + "?previous=true", 400,
         "previous terminated container \"main\" in pod \"web\" not found");
  expect(std::string(kLog) + "?tailLines=-1", 422,
         "PodLogOptions \"web\" is invalid: tailLines: Invalid value: -1: must be greater than "
         "or equal to 0");
  expect(std::string(kLog) + "?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z", 422,
         "at most one of `sinceTime` or `sinceSeconds` may be specified");
  expect(std::string(kLog) + "?follow=maybe", 400, "strconv.ParseBool: parsing \"maybe\"");
  expect(std::string(kLog) + "?tailLines=ten", 400, "strconv.ParseInt: parsing \"ten\"");
  httplib::Result empty = Get("/api/v1/namespaces/default/pods/unbound/log");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200);  // no node, no log: empty, as the real server answers
  EXPECT_EQ(empty->body, "");
  httplib::Client client("127.0.0.1", server_->port());
  EXPECT_EQ(client.Post(kLog, "", "text/plain")->status, 405);
}

TEST_F(PodLogHttpTest, FollowStreamsNewLinesUntilTheContainerEnds) {
  Pod("web", {"main"});
  WaitStarted("web");
  Print("web", {"before"});
  std::string received;
  std::mutex mu;
  std::thread reader([&] {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(20, 0);
    client.Get(std::string(kLog) + "?follow=true", [&](const char* data, size_t size) {
      std::lock_guard lock(mu);
      received.append(data, size);
      return true;
    });
  });
  auto has = [&](const std::string& text) {
    return Eventually([&] {
      std::lock_guard lock(mu);
      return received.find(text) != std::string::npos;
    });
  };
  EXPECT_TRUE(has("before\n"));
  Print("web", {"after"});
  EXPECT_TRUE(has("before\nafter\n"));  // streamed while the request is open
  server_->pod_logs().EndContainer(Key("web"), "main");
  reader.join();  // the stream ended with the container
  EXPECT_EQ(received, "before\nafter\n");
}

TEST_F(PodLogHttpTest, KubectlLogsAndLogsFollow) {
  Pod("web", {"main"}, "n1", {{"app", "web"}});
  Pod("two", {"a", "b"});
  WaitStarted("web");
  WaitStarted("two", "b");
  Print("web", {"step 1", "step 2"});
  Print("two", {"from b"}, "b");
  core::SubprocessResult got = Kubectl({"logs", "web"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_EQ(got.stdout_text, "step 1\nstep 2\n");
  got = Kubectl({"logs", "web", "--tail=1"});
  EXPECT_EQ(got.stdout_text, "step 2\n");
  got = Kubectl({"logs", "-l", "app=web"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_EQ(got.stdout_text, "step 1\nstep 2\n");
  got = Kubectl({"logs", "two", "-c", "b"});
  ASSERT_TRUE(got.Succeeded()) << got.stderr_text;
  EXPECT_EQ(got.stdout_text, "from b\n");
  got = Kubectl({"logs", "web", "-c", "nope"});
  EXPECT_FALSE(got.Succeeded());
  EXPECT_THAT(got.stderr_text, HasSubstr("container nope is not valid for pod web"));
  got = Kubectl({"logs", "missing"});
  EXPECT_FALSE(got.Succeeded());
  EXPECT_THAT(got.stderr_text, HasSubstr("pods \"missing\" not found"));

  // -f prints what comes while it runs and ends when the container does.
  core::SubprocessResult followed;
  std::thread follow([&] { followed = Kubectl({"logs", "-f", "web"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Print("web", {"step 3"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server_->pod_logs().EndContainer(Key("web"), "main");
  follow.join();
  EXPECT_TRUE(followed.Succeeded()) << followed.stderr_text;
  EXPECT_EQ(followed.stdout_text, "step 1\nstep 2\nstep 3\n");
}

TEST_F(PodLogHttpTest, OurClientReadsAndFollowsLogsLineByLine) {
  Pod("web", {"main"});
  WaitStarted("web");
  Print("web", {"one", "two"});
  std::unique_ptr<kube::RestClient> client = Client();
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };
  ASSERT_TRUE(kube::StreamPodLog(*client, "default", "web", {.tail_lines = 1}, collect).ok());
  EXPECT_THAT(lines, ElementsAre("two"));

  lines.clear();
  std::thread printer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Print("web", {"three"});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server_->pod_logs().EndContainer(Key("web"), "main");
  });
  absl::Status followed = kube::StreamPodLog(*client, "default", "web", {.follow = true}, collect);
  printer.join();
  ASSERT_TRUE(followed.ok()) << followed;
  EXPECT_THAT(lines, ElementsAre("one", "two", "three"));

  absl::Status missing = kube::StreamPodLog(*client, "default", "nope", {}, collect);
  EXPECT_TRUE(kube::apierrors::IsNotFound(missing)) << missing;
  absl::Status bad = kube::StreamPodLog(*client, "default", "web", {.container = "x"}, collect);
  ASSERT_TRUE(kube::GetApiError(bad).has_value()) << bad;
  EXPECT_EQ(kube::GetApiError(bad)->http_code, 400);
  EXPECT_THAT(std::string(bad.message()), HasSubstr("container x is not valid for pod web"));
}

TEST_F(PodLogHttpTest, CancellingAFollowEndsItAtOnce) {
  Pod("web", {"main"});
  WaitStarted("web");
  std::unique_ptr<kube::RestClient> client = Client();
  kube::CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel.Cancel();
  });
  absl::Status status =
      kube::StreamPodLog(*client, "default", "web", {.follow = true, .cancel = &cancel},
                         [](std::string_view) { return true; });
  canceller.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
}

}  // namespace
}  // namespace nvsx::sim
