// The sim's audit log (one line per resource request, with the RBAC verb)
// and ?dryRun=All on every write: answered as if written, nothing changed.

#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sim/audit_log.h"
#include "sim/sim_server_fixture.h"
#include "test_support/temp_dir.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

TEST(RbacVerbTest, MethodsAndPathsMapToRbacVerbs) {
  EXPECT_EQ(RbacVerb("GET", true, false), "get");
  EXPECT_EQ(RbacVerb("GET", false, false), "list");
  EXPECT_EQ(RbacVerb("GET", false, true), "watch");
  EXPECT_EQ(RbacVerb("POST", false, false), "create");
  EXPECT_EQ(RbacVerb("PUT", true, false), "update");
  EXPECT_EQ(RbacVerb("PATCH", true, false), "patch");
  EXPECT_EQ(RbacVerb("DELETE", true, false), "delete");
  EXPECT_EQ(RbacVerb("DELETE", false, false), "deletecollection");
}

class AuditDryRunTest : public testing::SimServerTest {
 protected:
  void Customize(ApiServerOptions& options) override {
    options.audit_log = dir_.path() / "audit.jsonl";
  }
  httplib::Client Client() {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_default_headers({{"User-Agent", "auditor/1.0"}});
    return client;
  }
  std::vector<json> AuditRecords() {
    std::vector<json> records;
    std::istringstream lines(core::ReadFile(dir_.path() / "audit.jsonl").value_or(""));
    for (std::string line; std::getline(lines, line);) records.push_back(json::parse(line));
    return records;
  }
  void CreateConfigMap(httplib::Client& client) {
    auto created =
        client.Post("/api/v1/namespaces/default/configmaps",
                    R"({"metadata":{"name":"cm"},"data":{"a":"1"}})", "application/json");
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
  }

  test::TempDir dir_;
};

TEST_F(AuditDryRunTest, EveryResourceRequestIsRecordedWithItsClientAndVerb) {
  httplib::Client client = Client();
  CreateConfigMap(client);
  ASSERT_EQ(client.Get("/api/v1/namespaces/default/configmaps/cm")->status, 200);
  ASSERT_EQ(client.Get("/api/v1/nodes")->status, 200);
  ASSERT_EQ(client
                .Patch("/api/v1/namespaces/default/configmaps/cm", R"({"data":{"a":"2"}})",
                       "application/merge-patch+json")
                ->status,
            200);
  ASSERT_EQ(client.Delete("/api/v1/namespaces/default/configmaps/cm")->status, 200);
  ASSERT_EQ(client.Get("/version")->status, 200);  // not a resource: not recorded

  std::vector<std::string> seen;
  for (const json& record : AuditRecords()) {
    EXPECT_EQ(record["userAgent"], "auditor/1.0");
    seen.push_back(record["verb"].get<std::string>() + " " + record["resource"].get<std::string>() +
                   " " + std::to_string(record["code"].get<int>()));
  }
  EXPECT_THAT(seen, ElementsAre("create configmaps 201", "get configmaps 200", "list nodes 200",
                                "patch configmaps 200", "delete configmaps 200"));
}

TEST_F(AuditDryRunTest, DryRunWritesAnswerButChangeNothing) {
  httplib::Client client = Client();
  const std::string path = "/api/v1/namespaces/default/configmaps/cm";
  auto dry_create =
      client.Post("/api/v1/namespaces/default/configmaps?dryRun=All",
                  R"({"metadata":{"name":"cm"},"data":{"a":"1"}})", "application/json");
  ASSERT_EQ(dry_create->status, 201);
  EXPECT_EQ(client.Get(path)->status, 404);

  CreateConfigMap(client);
  auto dry_patch =
      client.Patch(path + "?dryRun=All", R"({"data":{"a":"2"}})", "application/merge-patch+json");
  ASSERT_EQ(dry_patch->status, 200);
  EXPECT_EQ(json::parse(dry_patch->body)["data"]["a"], "2");
  const json stored = json::parse(client.Get(path)->body);
  EXPECT_EQ(stored["data"]["a"], "1");

  json replaced = stored;
  replaced["data"]["a"] = "3";
  ASSERT_EQ(client.Put(path + "?dryRun=All", replaced.dump(), "application/json")->status, 200);
  EXPECT_EQ(json::parse(client.Get(path)->body)["data"]["a"], "1");

  ASSERT_EQ(client.Delete(path + "?dryRun=All")->status, 200);
  EXPECT_EQ(client.Get(path)->status, 200);
}

}  // namespace
}  // namespace nvsx::sim
