// --state FILE: a restarted server resumes with the same objects, and
// resourceVersions go on upwards from where they were.

#include "sim/state_file.h"

#include "core/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "sim/api_server.h"
#include "test_support/temp_dir.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

constexpr char kCrd[] = R"({
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "widgets.example.com"},
  "spec": {"group": "example.com", "scope": "Cluster",
    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
    "versions": [{"name": "v1", "served": true, "storage": true,
      "schema": {"openAPIV3Schema": {"type": "object",
        "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}}}]}})";

int64_t Version(const json& object) {
  return std::stoll(object["metadata"]["resourceVersion"].get<std::string>());
}

class StateFileTest : public ::testing::Test {
 protected:
  std::unique_ptr<ApiServer> StartServer() {
    ApiServerOptions options;
    options.state_file = temp_.path() / "state" / "sim.db";
    auto server = std::make_unique<ApiServer>(&clock_, options);
    absl::Status started = server->Start();
    EXPECT_TRUE(started.ok()) << started;
    return server;
  }

  httplib::Result Send(ApiServer& server, const std::string& method, const std::string& path,
                       const std::string& body = "") {
    httplib::Client client("127.0.0.1", server.port());
    if (method == "POST") return client.Post(path, body, "application/json");
    if (method == "DELETE") return client.Delete(path);
    return client.Get(path);
  }

  core::SystemClock clock_;
  test::TempDir temp_;
};

TEST_F(StateFileTest, RestartedServerResumesObjectsAndVersions) {
  int64_t last = 0;
  std::string widget_uid;
  {
    std::unique_ptr<ApiServer> server = StartServer();
    ASSERT_EQ(Send(*server, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kCrd)
                  ->status,
              201);
    auto widget = Send(*server, "POST", "/apis/example.com/v1/widgets",
                       R"({"metadata":{"name":"w1"},"spec":{"size":3}})");
    ASSERT_EQ(widget->status, 201) << widget->body;
    widget_uid = json::parse(widget->body)["metadata"]["uid"];
    ASSERT_EQ(Send(*server, "POST", "/api/v1/namespaces/default/configmaps",
                   R"({"metadata":{"name":"kept"},"data":{"a":"1"}})")
                  ->status,
              201);
    ASSERT_EQ(Send(*server, "POST", "/api/v1/namespaces/default/configmaps",
                   R"({"metadata":{"name":"gone"}})")
                  ->status,
              201);
    ASSERT_EQ(Send(*server, "DELETE", "/api/v1/namespaces/default/configmaps/gone")->status, 200);
    last = std::stoll(server->store().CurrentResourceVersion());
    server->Stop();
  }
  std::unique_ptr<ApiServer> server = StartServer();
  EXPECT_EQ(server->store().CurrentResourceVersion(), std::to_string(last));
  auto kept = Send(*server, "GET", "/api/v1/namespaces/default/configmaps/kept");
  ASSERT_EQ(kept->status, 200);
  EXPECT_EQ(json::parse(kept->body)["data"]["a"], "1");
  EXPECT_EQ(Send(*server, "GET", "/api/v1/namespaces/default/configmaps/gone")->status, 404);
  // The CRD's resource is served again, with its objects.
  auto widget = Send(*server, "GET", "/apis/example.com/v1/widgets/w1");
  ASSERT_EQ(widget->status, 200) << widget->body;
  EXPECT_EQ(json::parse(widget->body)["metadata"]["uid"], widget_uid);
  EXPECT_EQ(json::parse(widget->body)["spec"]["size"], 3);

  auto created = Send(*server, "POST", "/api/v1/namespaces/default/configmaps",
                      R"({"metadata":{"name":"after"}})");
  ASSERT_EQ(created->status, 201);
  EXPECT_EQ(Version(json::parse(created->body)), last + 1);
  // Watches from before the restart have nothing to replay: 410, as after compaction.
  auto old_watch = Send(*server, "GET", "/api/v1/configmaps?watch=1&resourceVersion=1");
  ASSERT_TRUE(old_watch);
  EXPECT_NE(old_watch->body.find("\"code\":410"), std::string::npos) << old_watch->body;
}

TEST(StateFileUnitTest, DeletesAdvanceTheSavedVersionAndRowsRoundTrip) {
  test::TempDir temp;
  absl::StatusOr<std::unique_ptr<StateFile>> state = StateFile::Open(temp.path() / "s.db");
  ASSERT_TRUE(state.ok()) << state.status();
  (*state)->Put({"configmaps", "default/a", R"({"metadata":{"resourceVersion":"4"}})"}, 4);
  (*state)->Put({"nodes", "/n1", R"({"metadata":{"resourceVersion":"5"}})"}, 5);
  (*state)->Remove("nodes", "/n1", 9);
  EXPECT_TRUE((*state)->Checkpoint().ok());
  absl::StatusOr<StateFile::Contents> contents = (*state)->Load();
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents->resource_version, 9);
  ASSERT_EQ(contents->objects.size(), 1u);
  EXPECT_EQ(contents->objects[0].key, "default/a");
  EXPECT_TRUE((*state)->health().ok());
}

TEST(StateFileUnitTest, AFileThatIsNotADatabaseIsRefused) {
  test::TempDir temp;
  const auto path = temp.Write("junk.db", std::string(4096, 'x'));
  absl::StatusOr<std::unique_ptr<StateFile>> state = StateFile::Open(path);
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.status().message().find("junk.db"), std::string::npos) << state.status();
}

}  // namespace
}  // namespace nvsx::sim
