// The API server over plain HTTP: discovery, Table output, watch streaming,
// patches and every kind of bad input answered with a Status object.

#include <atomic>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sim/sim_server_fixture.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class HttpApiTest : public testing::SimServerTest {
 protected:
  void Customize(ApiServerOptions& options) override { options.store.history_limit = 10; }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    return client;
  }
  // The body must be a Status with `code`; returns it.
  json ExpectStatus(const httplib::Result& result, int code) {
    EXPECT_TRUE(result) << "no response";
    if (!result) return json();
    EXPECT_EQ(result->status, code) << result->body;
    json body = json::parse(result->body, nullptr, false);
    EXPECT_EQ(body.value("kind", ""), "Status") << result->body;
    EXPECT_EQ(body.value("apiVersion", ""), "v1");
    EXPECT_EQ(body.value("code", 0), code) << result->body;
    return body;
  }
  void ExpectServerUp() {
    auto version = Client().Get("/version");
    ASSERT_TRUE(version);
    EXPECT_EQ(version->status, 200);
  }
};

TEST_F(HttpApiTest, Discovery) {
  httplib::Client client = Client();
  auto api = client.Get("/api?timeout=32s");
  ASSERT_TRUE(api);
  EXPECT_EQ(json::parse(api->body)["versions"], json::parse(R"(["v1"])"));
  auto groups = json::parse(client.Get("/apis")->body);
  std::vector<std::string> names;
  for (const json& group : groups["groups"]) names.push_back(group["name"]);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"coordination.k8s.io", "policy", "events.k8s.io",
                                              "apiextensions.k8s.io"}));
  auto core = json::parse(client.Get("/api/v1")->body);
  EXPECT_EQ(core["groupVersion"], "v1");
  std::vector<std::string> resources;
  for (const json& resource : core["resources"]) resources.push_back(resource["name"]);
  EXPECT_THAT(resources,
              ::testing::IsSupersetOf({"nodes", "nodes/status", "pods", "pods/status",
                                       "pods/eviction", "namespaces", "events", "configmaps"}));
  ExpectStatus(client.Get("/apis/nothing.example.com/v1"), 404);
  auto openapi = json::parse(client.Get("/openapi/v3")->body);
  EXPECT_TRUE(openapi["paths"].contains("api/v1"));
}

TEST_F(HttpApiTest, AggregatedDiscoveryWhenTheAcceptHeaderPrefersIt) {
  httplib::Client client = Client();
  // What kubectl 1.32 sends.
  const std::string kubectl_accept =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
      "application/json";
  auto get = [&](const std::string& path, const std::string& accept) {
    auto response = client.Get(path, httplib::Headers{{"Accept", accept}});
    EXPECT_TRUE(response) << path;
    return response;
  };
  auto apis = get("/apis?timeout=32s", kubectl_accept);
  ASSERT_TRUE(apis);
  EXPECT_EQ(apis->get_header_value("Content-Type"),
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  json list = json::parse(apis->body);
  EXPECT_EQ(list["kind"], "APIGroupDiscoveryList");
  std::vector<std::string> names;
  for (const json& item : list["items"]) names.push_back(item["metadata"]["name"]);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"coordination.k8s.io", "policy", "apps"}));
  auto api = get("/api", kubectl_accept);
  ASSERT_TRUE(api);
  EXPECT_EQ(json::parse(api->body)["items"][0]["versions"][0]["version"], "v1");

  // Only v2beta1 asked for: v2beta1 answered.
  auto beta =
      get("/apis", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
  ASSERT_TRUE(beta);
  EXPECT_EQ(json::parse(beta->body)["apiVersion"], "apidiscovery.k8s.io/v2beta1");
  // A plain document preferred, an unknown version, or protobuf only: the plain list.
  for (const std::string& accept :
       {std::string("application/json, application/json;g=apidiscovery.k8s.io;v=v2;"
                    "as=APIGroupDiscoveryList"),
        std::string("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList"),
        std::string("application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;"
                    "as=APIGroupDiscoveryList"),
        std::string()}) {
    auto plain = get("/apis", accept);
    ASSERT_TRUE(plain);
    EXPECT_EQ(json::parse(plain->body)["kind"], "APIGroupList") << accept;
  }
}

TEST_F(HttpApiTest, BadInputIsAStatusAndTheServerStaysUp) {
  httplib::Client client = Client();
  json body = ExpectStatus(
      client.Post("/api/v1/namespaces/default/configmaps", "{\"metadata\": ", "application/json"),
      400);
  EXPECT_EQ(body["reason"], "BadRequest");
  EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("not valid JSON"));
  body = ExpectStatus(client.Post("/api/v1/namespaces/default/configmaps", "x", "text/plain"), 415);
  EXPECT_EQ(body["reason"], "UnsupportedMediaType");
  body = ExpectStatus(client.Get("/api/v1/widgets"), 404);
  EXPECT_EQ(body["reason"], "NotFound");
  ExpectStatus(client.Get("/not/an/api/path"), 404);
  ExpectStatus(client.Get("/api/v1/nodes?labelSelector=a%20in%20b"), 400);
  ExpectStatus(client.Get("/api/v1/nodes?fieldSelector=justaword"), 400);
  std::string huge(4 * 1024 * 1024, ' ');
  body = ExpectStatus(
      client.Post("/api/v1/namespaces/default/configmaps", huge, "application/json"), 413);
  EXPECT_EQ(body["reason"], "RequestEntityTooLarge");
  body = ExpectStatus(client.Patch("/api/v1/nodes/n1", "{}", "application/apply-patch+yaml"), 400);
  EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("requires fieldManager"));
  ExpectStatus(client.Patch("/api/v1/nodes/n1", "{}", "application/cbor"), 415);
  ExpectStatus(client.Post("/api/v1/namespaces/default/configmaps",
                           R"({"kind": "Pod", "metadata": {"name": "x"}})", "application/json"),
               400);
  ExpectServerUp();
}

TEST_F(HttpApiTest, WatchFromFarTooOldVersionIsAnErrorEvent) {
  httplib::Client client = Client();
  for (int i = 0; i < 15; ++i) {
    ASSERT_TRUE(client.Post("/api/v1/namespaces/default/configmaps",
                            json{{"metadata", {{"name", "c" + std::to_string(i)}}}}.dump(),
                            "application/json"));
  }
  auto result = client.Get("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  json event = json::parse(result->body);
  EXPECT_EQ(event["type"], "ERROR");
  EXPECT_EQ(event["object"]["code"], 410);
  EXPECT_EQ(event["object"]["reason"], "Expired");
  EXPECT_THAT(event["object"]["message"].get<std::string>(), HasSubstr("too old resource version"));
  ExpectStatus(client.Get("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=x"), 400);
  ExpectServerUp();
}

TEST_F(HttpApiTest, WatchStreamsEventsAndBookmarks) {
  std::thread writer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    httplib::Client client = Client();
    client.Post("/api/v1/nodes", R"({"metadata": {"name": "late"}})", "application/json");
  });
  std::string body;
  httplib::Client client = Client();
  auto result = client.Get("/api/v1/nodes?watch=true&allowWatchBookmarks=true&timeoutSeconds=3",
                           [&](const char* data, size_t length) {
                             body.append(data, length);
                             return true;
                           });
  writer.join();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json;stream=watch");
  std::vector<std::string> types;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    json event = json::parse(body.substr(start, end - start));
    types.push_back(event["type"]);
    if (event["type"] == "ADDED") {
      EXPECT_EQ(event["object"]["metadata"]["name"], "late");
    }
    if (event["type"] == "BOOKMARK") {
      EXPECT_EQ(event["object"]["kind"], "Node");
      EXPECT_FALSE(event["object"]["metadata"]["resourceVersion"].get<std::string>().empty());
    }
    start = end + 1;
  }
  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types[0], "ADDED");
  EXPECT_THAT(types, ::testing::Contains("BOOKMARK"));
}

TEST_F(HttpApiTest, WatchInTableFormAsKubectlGetWatchAsks) {
  httplib::Client client = Client();
  client.Post("/api/v1/nodes", R"({"metadata": {"name": "n1"}})", "application/json");
  httplib::Headers table = {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}};
  auto result = client.Get("/api/v1/nodes?watch=true&timeoutSeconds=1", table);
  ASSERT_TRUE(result);
  json event = json::parse(result->body.substr(0, result->body.find('\n')));
  EXPECT_EQ(event["type"], "ADDED");
  EXPECT_EQ(event["object"]["kind"], "Table");
  EXPECT_EQ(event["object"]["rows"][0]["cells"][0], "n1");
}

TEST_F(HttpApiTest, StopEndsOpenWatches) {
  std::atomic<bool> returned = false;
  std::thread watcher([this, &returned] {
    httplib::Client client = Client();
    client.Get("/api/v1/nodes?watch=true&timeoutSeconds=60");
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const absl::Time start = absl::Now();
  server_->Stop();
  watcher.join();
  EXPECT_TRUE(returned);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(HttpApiTest, TableWhenAskedAndPlainOtherwise) {
  httplib::Client client = Client();
  client.Post("/api/v1/nodes", R"({"metadata": {"name": "n1"}})", "application/json");
  httplib::Headers table = {
      {"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}};
  json listed = json::parse(client.Get("/api/v1/nodes?limit=500", table)->body);
  EXPECT_EQ(listed["kind"], "Table");
  EXPECT_EQ(listed["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(listed["columnDefinitions"][0]["name"], "Name");
  ASSERT_EQ(listed["rows"].size(), 1u);
  EXPECT_EQ(listed["rows"][0]["cells"][0], "n1");
  EXPECT_EQ(listed["rows"][0]["cells"][1], "NotReady");
  EXPECT_EQ(listed["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  json single = json::parse(client.Get("/api/v1/nodes/n1")->body);
  EXPECT_EQ(single["kind"], "Node");
}

TEST_F(HttpApiTest, PatchContentTypes) {
  httplib::Client client = Client();
  client.Post("/api/v1/namespaces/default/configmaps",
              R"({"metadata": {"name": "c", "labels": {"a": "1"}}, "data": {"k": "v"}})",
              "application/json");
  const std::string path = "/api/v1/namespaces/default/configmaps/c";
  auto merged =
      client.Patch(path, R"({"data": {"k": null, "n": "1"}})", "application/merge-patch+json");
  ASSERT_TRUE(merged);
  EXPECT_EQ(json::parse(merged->body)["data"], json::parse(R"({"n": "1"})"));
  auto patched =
      client.Patch(path, R"([{"op": "add", "path": "/metadata/labels/b", "value": "2"}])",
                   "application/json-patch+json");
  EXPECT_EQ(json::parse(patched->body)["metadata"]["labels"]["b"], "2");
  ExpectStatus(client.Patch(path, R"([{"op": "test", "path": "/data/n", "value": "9"}])",
                            "application/json-patch+json"),
               422);
  ExpectStatus(client.Patch(path, R"({"metadata": {"resourceVersion": "1"}, "data": {"x": "y"}})",
                            "application/merge-patch+json"),
               409);
  ExpectStatus(client.Patch("/api/v1/namespaces/default/configmaps/none", "{}",
                            "application/merge-patch+json"),
               404);
  ExpectStatus(client.Patch(path, "{not json", "application/merge-patch+json"), 400);
}

TEST_F(HttpApiTest, FinalizersHoldDeletionUntilCleared) {
  httplib::Client client = Client();
  client.Post("/api/v1/namespaces/default/configmaps",
              R"({"metadata": {"name": "c", "finalizers": ["nvsx.io/hold"]}})", "application/json");
  const std::string path = "/api/v1/namespaces/default/configmaps/c";
  auto deleted = client.Delete(path);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200);
  EXPECT_TRUE(json::parse(deleted->body)["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(client.Get(path)->status, 200);
  client.Patch(path, R"({"metadata": {"finalizers": null}})", "application/merge-patch+json");
  ExpectStatus(client.Get(path), 404);
}

TEST_F(HttpApiTest, NamespacesGateAndCascade) {
  httplib::Client client = Client();
  json body = ExpectStatus(client.Post("/api/v1/namespaces/ml/configmaps",
                                       R"({"metadata": {"name": "c"}})", "application/json"),
                           404);
  EXPECT_EQ(body["message"], "namespaces \"ml\" not found");
  client.Post("/api/v1/namespaces", R"({"metadata": {"name": "ml"}})", "application/json");
  EXPECT_EQ(client
                .Post("/api/v1/namespaces/ml/configmaps", R"({"metadata": {"name": "c"}})",
                      "application/json")
                ->status,
            201);
  EXPECT_EQ(client.Delete("/api/v1/namespaces/ml")->status, 200);
  ExpectStatus(client.Get("/api/v1/namespaces/ml/configmaps/c"), 404);
}

TEST_F(HttpApiTest, StrategicMergePatchIsRefusedForCustomResources) {
  httplib::Client client = Client();
  const char* crd = R"({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "kind": "Widget"},
             "versions": [{"name": "v1", "served": true, "storage": true}]}})";
  ASSERT_EQ(
      client
          .Post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd, "application/json")
          ->status,
      201);
  ASSERT_EQ(client
                .Post("/apis/example.com/v1/namespaces/default/widgets",
                      R"({"metadata": {"name": "w"}, "spec": {"size": 1}})", "application/json")
                ->status,
            201);
  ExpectStatus(client.Patch("/apis/example.com/v1/namespaces/default/widgets/w",
                            R"({"spec": {"size": 2}})", "application/strategic-merge-patch+json"),
               415);
  json crd_object = json::parse(
      client.Get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
          ->body);
  EXPECT_EQ(crd_object["status"]["conditions"][1]["type"], "Established");
  // A CRD whose name is not plural.group is invalid.
  json bad = json::parse(crd);
  bad["metadata"]["name"] = "wrong";
  ExpectStatus(client.Post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad.dump(),
                           "application/json"),
               422);
}

TEST_F(HttpApiTest, EventsLeasesAndBudgetsAreServed) {
  httplib::Client client = Client();
  ASSERT_EQ(client
                .Post("/api/v1/namespaces/default/events",
                      R"({"metadata": {"name": "e1"}, "reason": "Cordoned",
                            "involvedObject": {"kind": "Node", "name": "n1"}})",
                      "application/json")
                ->status,
            201);
  client.Post("/api/v1/namespaces/default/events",
              R"({"metadata": {"name": "e2"}, "involvedObject": {"kind": "Pod", "name": "p"}})",
              "application/json");
  json events = json::parse(
      client
          .Get("/api/v1/events?fieldSelector=involvedObject.kind%3DNode,involvedObject.name%3Dn1")
          ->body);
  EXPECT_EQ(events["kind"], "EventList");
  ASSERT_EQ(events["items"].size(), 1u);
  EXPECT_EQ(events["items"][0]["reason"], "Cordoned");

  ASSERT_EQ(client
                .Post("/apis/events.k8s.io/v1/namespaces/default/events",
                      R"({"metadata": {"name": "new-style"}, "reason": "Drained",
                            "regarding": {"kind": "Node", "name": "n1"}})",
                      "application/json")
                ->status,
            201);
  EXPECT_EQ(json::parse(client.Get("/apis/events.k8s.io/v1/namespaces/default/events/new-style")
                            ->body)["apiVersion"],
            "events.k8s.io/v1");

  const std::string leases = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
  auto lease = client.Post(leases,
                           R"({"metadata": {"name": "nvsx-controller"},
                               "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}})",
                           "application/json");
  ASSERT_EQ(lease->status, 201);
  json held = json::parse(lease->body);
  held["spec"]["holderIdentity"] = "b";
  ASSERT_EQ(client.Put(leases + "/nvsx-controller", held.dump(), "application/json")->status, 200);
  // A second candidate holding the old version loses the race.
  held["spec"]["holderIdentity"] = "c";
  ExpectStatus(client.Put(leases + "/nvsx-controller", held.dump(), "application/json"), 409);
  EXPECT_EQ(json::parse(client.Get(leases + "/nvsx-controller")->body)["spec"]["holderIdentity"],
            "b");

  ASSERT_EQ(
      client
          .Post("/apis/policy/v1/namespaces/default/poddisruptionbudgets",
                R"({"metadata": {"name": "pdb"}, "spec": {"minAvailable": 1}})", "application/json")
          ->status,
      201);
  EXPECT_EQ(json::parse(client.Get("/apis/policy/v1/poddisruptionbudgets")->body)["items"].size(),
            1u);
}

}  // namespace
}  // namespace nvsx::sim
