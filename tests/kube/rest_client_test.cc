#include "kube/rest_client.h"

#include <atomic>
#include <thread>

#include "core/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api_error.h"
#include "kube/test_server.h"
#include "test_support/fake_clock.h"
#include "test_support/temp_dir.h"

namespace nvsx::kube {
namespace {

using testing::TestServer;

std::string StatusBody(int code, const std::string& reason, const std::string& message) {
  return nlohmann::json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                        {"reason", reason}, {"message", message}, {"code", code}}
      .dump();
}

class RestClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<RestClient> Client(RestClientOptions options = {}) {
    RestConfig config;
    config.server = server_.Url();
    config.bearer_token = "secret-token";
    options.clock = &clock_;
    if (!options.random) options.random = [] { return 0.0; };
    auto client = RestClient::New(config, options);
    EXPECT_TRUE(client.ok()) << client.status();
    return *std::move(client);
  }

  test::FakeClock clock_;
  TestServer server_;
};

const ResourceRef kPods{"", "v1", "pods", "gpu-ns", "", ""};
const ResourceRef kHealthEvents{"nvsentinel.nvidia.com", "v1alpha1", "healthevents", "", "", ""};

TEST_F(RestClientTest, GetSendsPathAuthAndAcceptHeaders) {
  server_.routes().Get(
      "/api/v1/namespaces/gpu-ns/pods/p1", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"kind":"Pod","metadata":{"name":"p1"}})", "application/json");
      });
  server_.routes().Get("/apis/nvsentinel.nvidia.com/v1alpha1/healthevents/e1",
                       [](const httplib::Request&, httplib::Response& res) {
                         res.set_content(R"({"kind":"HealthEvent"})", "application/json");
                       });
  server_.Start();
  auto client = Client();
  auto pod = client->Get(kPods.WithName("p1"));
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ((*pod)["metadata"]["name"], "p1");
  auto event = client->Get(kHealthEvents.WithName("e1"));
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ((*event)["kind"], "HealthEvent");
  auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].Header("Authorization"), "Bearer secret-token");
  EXPECT_EQ(seen[0].Header("Accept"), "application/json");
  EXPECT_EQ(seen[0].Header("User-Agent"), "nvsx/0.1");
}

TEST_F(RestClientTest, ReusesTheConnection) {
  server_.routes().Get("/api/v1/nodes", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  server_.Start();
  auto client = Client();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->List({"", "v1", "nodes", "", "", ""}).ok());
  auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].remote_port, seen[1].remote_port);
  EXPECT_EQ(seen[1].remote_port, seen[2].remote_port);
}

TEST_F(RestClientTest, ErrorsAreDecoded) {
  server_.routes().Get("/api/v1/nodes/missing", [](const httplib::Request&,
                                                   httplib::Response& res) {
    res.status = 404;
    res.set_content(StatusBody(404, "NotFound", "nodes \"missing\" not found"), "application/json");
  });
  server_.routes().Put("/api/v1/nodes/busy", [](const httplib::Request&, httplib::Response& res) {
    res.status = 409;
    res.set_content(StatusBody(409, "Conflict", "the object has been modified"),
                    "application/json");
  });
  server_.routes().Post("/api/v1/nodes", [](const httplib::Request&, httplib::Response& res) {
    res.status = 409;
    res.set_content(StatusBody(409, "AlreadyExists", "exists"), "application/json");
  });
  server_.routes().Delete("/api/v1/nodes/n", [](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content(StatusBody(403, "Forbidden", "no"), "application/json");
  });
  server_.Start();
  auto client = Client();
  ResourceRef nodes{"", "v1", "nodes", "", "", ""};
  auto missing = client->Get(nodes.WithName("missing"));
  EXPECT_TRUE(apierrors::IsNotFound(missing.status()));
  EXPECT_THAT(std::string(missing.status().message()), ::testing::HasSubstr("not found"));
  EXPECT_TRUE(apierrors::IsConflict(client->Update(nodes.WithName("busy"), {}).status()));
  EXPECT_TRUE(apierrors::IsAlreadyExists(client->Create(nodes, {}).status()));
  EXPECT_TRUE(apierrors::IsForbidden(client->Delete(nodes.WithName("n"))));
  EXPECT_TRUE(clock_.sleeps().empty());  // none of these is retried
}

TEST_F(RestClientTest, ListAllFollowsContinueTokens) {
  server_.routes().Get(
      "/api/v1/namespaces/gpu-ns/pods", [](const httplib::Request& req, httplib::Response& res) {
        std::string token = req.get_param_value("continue");
        nlohmann::json page = {{"kind", "PodList"}, {"items", nlohmann::json::array()}};
        if (token.empty()) {
          page["items"] = {{{"name", "a"}}, {{"name", "b"}}};
          page["metadata"] = {{"continue", "tok 1"}, {"resourceVersion", "5"}};
        } else if (token == "tok 1") {
          page["items"] = {{{"name", "c"}}};
          page["metadata"] = {{"resourceVersion", "7"}};
        } else {
          res.status = 410;
          page = nlohmann::json::parse(StatusBody(410, "Expired", "expired"));
        }
        res.set_content(page.dump(), "application/json");
      });
  server_.Start();
  auto client = Client();
  ListOptions options;
  options.label_selector = "gpu in (a100,h100),zone=x";
  options.limit = 2;
  auto all = client->ListAll(kPods, options);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ((*all)["items"].size(), 3u);
  EXPECT_EQ((*all)["items"][2]["name"], "c");
  EXPECT_EQ((*all)["metadata"]["resourceVersion"], "7");
  EXPECT_FALSE((*all)["metadata"].contains("continue"));
  auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target,
            "/api/v1/namespaces/gpu-ns/pods?labelSelector=gpu%20in%20%28a100%2Ch100%29%2Czone%3Dx"
            "&limit=2");
  EXPECT_EQ(seen[1].params.find("continue")->second, "tok 1");
  EXPECT_EQ(seen[1].params.find("limit")->second, "2");

  ListOptions expired;
  expired.continue_token = "old";
  EXPECT_TRUE(apierrors::IsGone(client->List(kPods, expired).status()));
}

TEST_F(RestClientTest, WritesSendBodiesContentTypesAndOptions) {
  auto echo = [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.body.empty() ? "{}" : req.body, "application/json");
  };
  server_.routes().Post("/api/v1/namespaces/gpu-ns/pods", echo);
  server_.routes().Put("/api/v1/namespaces/gpu-ns/pods/p1", echo);
  server_.routes().Put("/api/v1/namespaces/gpu-ns/pods/p1/status", echo);
  server_.routes().Patch("/api/v1/namespaces/gpu-ns/pods/p1", echo);
  server_.routes().Delete("/api/v1/namespaces/gpu-ns/pods/p1", echo);
  server_.routes().Post("/api/v1/namespaces/gpu-ns/pods/p1/eviction", echo);
  server_.Start();
  auto client = Client();
  nlohmann::json pod = {{"metadata", {{"name", "p1"}}}};
  auto created = client->Create(kPods, pod, {"nvsx-controller", true});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(*created, pod);
  ASSERT_TRUE(client->Update(kPods.WithName("p1"), pod).ok());
  ASSERT_TRUE(client->Update(kPods.WithName("p1").WithSubresource("status"), pod).ok());
  for (PatchType type :
       {PatchType::kMerge, PatchType::kJson, PatchType::kStrategicMerge, PatchType::kApply}) {
    PatchOptions options;
    options.field_manager = "nvsx";
    options.force = true;
    ASSERT_TRUE(client->Patch(kPods.WithName("p1"), type, pod, options).ok());
  }
  EXPECT_FALSE(client->Patch(kPods.WithName("p1"), PatchType::kApply, pod).ok());
  DeleteOptions del;
  del.propagation_policy = "Foreground";
  del.grace_period_seconds = 0;
  del.precondition_resource_version = "42";
  ASSERT_TRUE(client->Delete(kPods.WithName("p1"), del).ok());
  ASSERT_TRUE(client->Evict("gpu-ns", "p1").ok());

  auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 9u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target,
            "/api/v1/namespaces/gpu-ns/pods?fieldManager=nvsx-controller&dryRun=All");
  EXPECT_EQ(seen[0].Header("Content-Type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(seen[0].body), pod);
  EXPECT_EQ(seen[1].method, "PUT");
  EXPECT_EQ(seen[2].path, "/api/v1/namespaces/gpu-ns/pods/p1/status");
  EXPECT_EQ(seen[3].Header("Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(seen[3].target, "/api/v1/namespaces/gpu-ns/pods/p1?fieldManager=nvsx");
  EXPECT_EQ(seen[4].Header("Content-Type"), "application/json-patch+json");
  EXPECT_EQ(seen[5].Header("Content-Type"), "application/strategic-merge-patch+json");
  EXPECT_EQ(seen[6].Header("Content-Type"), "application/apply-patch+yaml");
  EXPECT_EQ(seen[6].target, "/api/v1/namespaces/gpu-ns/pods/p1?fieldManager=nvsx&force=true");
  EXPECT_EQ(seen[7].method, "DELETE");
  auto delete_body = nlohmann::json::parse(seen[7].body);
  EXPECT_EQ(delete_body["kind"], "DeleteOptions");
  EXPECT_EQ(delete_body["propagationPolicy"], "Foreground");
  EXPECT_EQ(delete_body["gracePeriodSeconds"], 0);
  EXPECT_EQ(delete_body["preconditions"]["resourceVersion"], "42");
  auto eviction = nlohmann::json::parse(seen[8].body);
  EXPECT_EQ(eviction["apiVersion"], "policy/v1");
  EXPECT_EQ(eviction["kind"], "Eviction");
  EXPECT_EQ(eviction["metadata"]["name"], "p1");
  EXPECT_EQ(eviction["metadata"]["namespace"], "gpu-ns");
}

TEST_F(RestClientTest, RetriesTooManyRequestsHonouringRetryAfter) {
  std::atomic<int> calls{0};
  server_.routes().Get("/api/v1/nodes", [&](const httplib::Request&, httplib::Response& res) {
    if (++calls <= 2) {
      res.status = 429;
      res.set_header("Retry-After", "3");
      res.set_content(StatusBody(429, "TooManyRequests", "slow down"), "application/json");
      return;
    }
    res.set_content(R"({"items":[]})", "application/json");
  });
  server_.Start();
  auto client = Client();
  auto list = client->List({"", "v1", "nodes", "", "", ""});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(clock_.sleeps(), (std::vector<absl::Duration>{absl::Seconds(3), absl::Seconds(3)}));
}

TEST_F(RestClientTest, RetriesServerErrorsWithBackoffThenGivesUp) {
  std::atomic<int> calls{0};
  server_.routes().Get("/api/v1/nodes/n", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 500;
    res.set_content(StatusBody(500, "InternalError", "etcd is sad"), "application/json");
  });
  server_.routes().Post("/api/v1/nodes", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 500;
    res.set_content(StatusBody(500, "InternalError", "maybe created"), "application/json");
  });
  server_.Start();
  RestClientOptions options;
  options.max_retries = 3;
  options.backoff = Backoff{absl::Milliseconds(100), 2.0, 0.5, absl::Seconds(10)};
  options.random = [] { return 1.0; };
  auto client = Client(options);
  auto got = client->Get({"", "v1", "nodes", "", "n", ""});
  EXPECT_TRUE(apierrors::IsServerError(got.status()));
  EXPECT_EQ(calls.load(), 4);
  EXPECT_EQ(clock_.sleeps(),
            (std::vector<absl::Duration>{absl::Milliseconds(150), absl::Milliseconds(300),
                                         absl::Milliseconds(600)}));
  // A POST is not repeated after a 500: the server may have acted on it.
  calls = 0;
  EXPECT_TRUE(
      apierrors::IsServerError(client->Create({"", "v1", "nodes", "", "", ""}, {}).status()));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(RestClientTest, ServiceUnavailableIsRetriedForAnyMethod) {
  std::atomic<int> calls{0};
  server_.routes().Post("/api/v1/nodes", [&](const httplib::Request&, httplib::Response& res) {
    if (++calls == 1) {
      res.status = 503;
      res.set_content(StatusBody(503, "ServiceUnavailable", "starting"), "application/json");
      return;
    }
    res.set_content("{}", "application/json");
  });
  server_.Start();
  auto client = Client();
  EXPECT_TRUE(client->Create({"", "v1", "nodes", "", "", ""}, {}).ok());
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(clock_.sleeps().size(), 1u);
}

TEST_F(RestClientTest, EvictionRefusedByBudgetIsNotRetried) {
  std::atomic<int> calls{0};
  server_.routes().Post("/api/v1/namespaces/ns/pods/p/eviction",
                        [&](const httplib::Request&, httplib::Response& res) {
                          ++calls;
                          res.status = 429;
                          res.set_content(StatusBody(429, "TooManyRequests",
                                                     "Cannot evict pod as it would violate the "
                                                     "pod's disruption budget."),
                                          "application/json");
                        });
  server_.Start();
  auto client = Client();
  EXPECT_TRUE(apierrors::IsTooManyRequests(client->Evict("ns", "p")));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(RestClientTest, ConnectionRefusedIsRetriedThenReported) {
  server_.Start();
  server_.Stop();  // the port is now closed
  RestClientOptions options;
  options.max_retries = 2;
  auto client = Client(options);
  auto got = client->Create(kPods, {});  // never sent, so even a POST is retried
  EXPECT_TRUE(apierrors::IsConnectionError(got.status())) << got.status();
  EXPECT_EQ(clock_.sleeps().size(), 2u);
}

TEST_F(RestClientTest, RateLimitsRequests) {
  server_.routes().Get("/api/v1/nodes", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  server_.Start();
  RestClientOptions options;
  options.qps = 2;
  options.burst = 1;
  auto client = Client(options);
  absl::Time start = clock_.Now();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->List({"", "v1", "nodes", "", "", ""}).ok());
  EXPECT_EQ(clock_.Now() - start, absl::Seconds(1));  // 1 at once, then one per 500ms
}

TEST_F(RestClientTest, UnauthorizedRerunsTheExecPluginOnce) {
  std::atomic<int> calls{0};
  server_.routes().Get("/api/v1/nodes", [&](const httplib::Request& req, httplib::Response& res) {
    ++calls;
    if (req.get_header_value("Authorization") != "Bearer tok-2") {
      res.status = 401;
      res.set_content(StatusBody(401, "Unauthorized", "token expired"), "application/json");
      return;
    }
    res.set_content("{}", "application/json");
  });
  server_.Start();
  test::TempDir dir;
  RestConfig config;
  config.server = server_.Url();
  config.exec = ExecConfig{};
  config.exec->api_version = "client.authentication.k8s.io/v1";
  config.exec->command = dir.Write("plugin.sh", R"(#!/bin/sh
n=$(cat "$COUNTER" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$COUNTER"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s"}}' "$n"
)",
                                   std::filesystem::perms::owner_all)
                             .string();
  config.exec->env = {{"COUNTER", (dir.path() / "count").string()}};
  RestClientOptions options;
  options.clock = &clock_;
  options.env = core::Environment({{"PATH", "/usr/bin:/bin"}});
  auto client = RestClient::New(config, options);
  ASSERT_TRUE(client.ok()) << client.status();
  ResourceRef nodes{"", "v1", "nodes", "", "", ""};
  EXPECT_TRUE((*client)->List(nodes).ok());
  EXPECT_EQ(calls.load(), 2);
  EXPECT_TRUE(clock_.sleeps().empty());
  // A static token that the server refuses is reported at once.
  calls = 0;
  EXPECT_TRUE(apierrors::IsUnauthorized(Client()->List(nodes).status()));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(RestClientTest, BadConfigIsRejected) {
  RestClientOptions options;
  options.clock = &clock_;
  RestConfig config;
  EXPECT_FALSE(RestClient::New(config, options).ok());
  config.server = "ftp://x";
  EXPECT_FALSE(RestClient::New(config, options).ok());
  config.server = "https://x";
  EXPECT_FALSE(RestClient::New(config, RestClientOptions{}).ok());
}

std::string WatchLine(const std::string& type, const std::string& name, int version) {
  return nlohmann::json{
             {"type", type},
             {"object",
              {{"kind", "Node"},
               {"metadata", {{"name", name}, {"resourceVersion", std::to_string(version)}}}}}}
             .dump() +
         "\n";
}

TEST_F(RestClientTest, WatchDeliversEventsAsTheyArriveAcrossChunks) {
  server_.routes().Get("/api/v1/nodes", [](const httplib::Request&, httplib::Response& res) {
    const std::string stream =
        WatchLine("ADDED", "a", 5) + WatchLine("MODIFIED", "a", 6) + WatchLine("DELETED", "a", 7);
    // Cut the stream at odd places so events span chunks.
    res.set_chunked_content_provider(
        "application/json", [stream](size_t offset, httplib::DataSink& sink) {
          if (offset >= stream.size()) {
            sink.done();
            return true;
          }
          sink.write(stream.data() + offset, std::min<size_t>(37, stream.size() - offset));
          return true;
        });
  });
  server_.Start();
  std::vector<std::string> seen;
  WatchOptions options;
  options.resource_version = "4";
  options.label_selector = "nvidia.com/gpu.present=true";
  absl::Status status = Client()->Watch(
      ResourceRef{"", "v1", "nodes", "", "", ""}, options, [&](const WatchEvent& event) {
        seen.push_back(
            core::StrCat(WatchEventTypeName(event.type), "/",
                         event.object["metadata"]["resourceVersion"].get<std::string>()));
        return true;
      });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(seen, ::testing::ElementsAre("ADDED/5", "MODIFIED/6", "DELETED/7"));
  const testing::SeenRequest request = server_.seen().back();
  EXPECT_EQ(request.params.find("watch")->second, "true");
  EXPECT_EQ(request.params.find("resourceVersion")->second, "4");
  EXPECT_EQ(request.params.find("allowWatchBookmarks")->second, "true");
  EXPECT_EQ(request.params.find("timeoutSeconds")->second, "300");
  EXPECT_EQ(request.params.find("labelSelector")->second, "nvidia.com/gpu.present=true");
}

TEST_F(RestClientTest, WatchStopsWhenTheHandlerSaysSo) {
  std::atomic<bool> server_done{false};
  server_.routes().Get("/api/v1/nodes", [&](const httplib::Request&, httplib::Response& res) {
    // An endless stream: only the client can end it.
    res.set_chunked_content_provider(
        "application/json",
        [&, version = 0](size_t, httplib::DataSink& sink) mutable {
          const std::string line = WatchLine("MODIFIED", "a", ++version);
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          return sink.write(line.data(), line.size());
        },
        [&](bool) { server_done = true; });
  });
  server_.Start();
  int events = 0;
  absl::Status status = Client()->Watch(ResourceRef{"", "v1", "nodes", "", "", ""}, {},
                                        [&](const WatchEvent&) { return ++events < 3; });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(events, 3);
}

TEST_F(RestClientTest, WatchFromATooOldVersionIsGone) {
  server_.routes().Get("/api/v1/nodes", [](const httplib::Request&, httplib::Response& res) {
    res.status = 410;
    res.set_content(R"json({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired",
                        "message":"too old resource version: 1 (50)","code":410})json",
                    "application/json");
  });
  server_.Start();
  WatchOptions options;
  options.resource_version = "1";
  absl::Status status = Client()->Watch(ResourceRef{"", "v1", "nodes", "", "", ""}, options,
                                        [](const WatchEvent&) { return true; });
  EXPECT_TRUE(apierrors::IsGone(status)) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("too old resource version"));
}

TEST_F(RestClientTest, MalformedWatchStreamIsAnError) {
  server_.routes().Get("/api/v1/nodes", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(WatchLine("ADDED", "a", 5) + "{\"type\": \"ADDED\", \"object\": {\"trunc",
                    "application/json");
  });
  server_.Start();
  int events = 0;
  absl::Status status = Client()->Watch(ResourceRef{"", "v1", "nodes", "", "", ""}, {},
                                        [&](const WatchEvent&) { return ++events > 0; });
  EXPECT_EQ(events, 1);
  EXPECT_FALSE(status.ok());
}

}  // namespace
}  // namespace nvsx::kube
