// The pure pieces behind the HTTP layer: paths, tables, budgets, schemas,
// the resource registry and the OpenAPI index.

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sim/api_error.h"
#include "sim/eviction.h"
#include "sim/kubeconfig_text.h"
#include "sim/openapi.h"
#include "sim/request_path.h"
#include "sim/resource_registry.h"
#include "sim/schema_validation.h"
#include "sim/table.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

TEST(KubeconfigTextTest, PointsAtTheServerWithOneContext) {
  const std::string text = SimKubeconfig("http://127.0.0.1:4321", "sim: odd");
  EXPECT_THAT(text, ::testing::HasSubstr("server: \"http://127.0.0.1:4321\"\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("current-context: \"sim: odd\"\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("kind: Config\n"));
}

TEST(RequestPathTest, ParsesEveryShape) {
  auto pods = ParseRequestPath("/api/v1/namespaces/ml/pods/p1/eviction");
  ASSERT_TRUE(pods.ok());
  EXPECT_EQ(pods->group, "");
  EXPECT_EQ(pods->version, "v1");
  EXPECT_EQ(pods->namespace_name, "ml");
  EXPECT_EQ(pods->resource, "pods");
  EXPECT_EQ(pods->name, "p1");
  EXPECT_EQ(pods->subresource, "eviction");
  auto ns = ParseRequestPath("/api/v1/namespaces/ml/status");
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(ns->resource, "namespaces");
  EXPECT_EQ(ns->name, "ml");
  EXPECT_EQ(ns->subresource, "status");
  EXPECT_EQ(ns->namespace_name, "");
  auto crs = ParseRequestPath("/apis/nvsentinel.nvidia.com/v1alpha1/healthevents");
  ASSERT_TRUE(crs.ok());
  EXPECT_EQ(crs->group, "nvsentinel.nvidia.com");
  EXPECT_EQ(crs->resource, "healthevents");
  auto discovery = ParseRequestPath("/apis/policy/v1");
  ASSERT_TRUE(discovery.ok());
  EXPECT_TRUE(discovery->resource.empty());
  EXPECT_FALSE(ParseRequestPath("/healthz").ok());
  EXPECT_FALSE(ParseRequestPath("/api/v1/nodes/a/b/c").ok());
}

TEST(TableTest, HumanDurationMatchesKubernetes) {
  EXPECT_EQ(HumanDuration(absl::Seconds(45)), "45s");
  EXPECT_EQ(HumanDuration(absl::Seconds(119)), "119s");
  EXPECT_EQ(HumanDuration(absl::Seconds(200)), "3m20s");
  EXPECT_EQ(HumanDuration(absl::Minutes(5)), "5m");
  EXPECT_EQ(HumanDuration(absl::Minutes(90)), "90m");
  EXPECT_EQ(HumanDuration(absl::Hours(5) + absl::Minutes(7)), "5h7m");
  EXPECT_EQ(HumanDuration(absl::Hours(30)), "30h");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 3 + 2)), "3d2h");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 40)), "40d");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * (365 * 3 + 10))), "3y10d");
  EXPECT_EQ(HumanDuration(absl::Seconds(-5)), "<invalid>");
}

TEST(TableTest, JsonPathSubset) {
  const json node = json::parse(R"({"metadata": {"name": "n"}, "status": {"conditions": [
      {"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}]}})");
  EXPECT_EQ(EvaluateJsonPath(node, ".metadata.name"), "n");
  EXPECT_EQ(EvaluateJsonPath(node, "{.metadata.name}"), "n");
  EXPECT_EQ(EvaluateJsonPath(node, ".status.conditions[1].type"), "Ready");
  EXPECT_EQ(EvaluateJsonPath(node, R"(.status.conditions[?(@.type=="Ready")].status)"), "True");
  EXPECT_TRUE(EvaluateJsonPath(node, ".status.conditions[7]").is_null());
  EXPECT_TRUE(EvaluateJsonPath(node, ".spec.missing").is_null());
}

TEST(TableTest, CustomResourceColumns) {
  ResourceInfo info;
  info.group = "x.io";
  info.resource = "things";
  info.kind = "Thing";
  info.crd_name = "things.x.io";
  info.columns = {{"Node", "string", "", "", ".spec.node", 0},
                  {"Age", "date", "", "", ".metadata.creationTimestamp", 0}};
  auto item = std::make_shared<const json>(json::parse(
      R"({"metadata": {"name": "t", "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"node": "n1"}})"));
  absl::Time now = absl::FromUnixSeconds(1767225600) + absl::Minutes(5);  // 2026-01-01 00:05
  json table = RenderTable(info, {item}, {now, "7", "", false});
  ASSERT_EQ(table["columnDefinitions"].size(), 3u);
  EXPECT_EQ(table["columnDefinitions"][1]["name"], "Node");
  EXPECT_EQ(table["rows"][0]["cells"], json::parse(R"(["t", "n1", "5m"])"));
  EXPECT_EQ(table["metadata"]["resourceVersion"], "7");
  json full = RenderTable(info, {item}, {now, "7", "", true});
  EXPECT_EQ(full["rows"][0]["object"]["spec"]["node"], "n1");
}

json Pod(const std::string& name, const std::string& phase, bool ready = true) {
  return {{"metadata", {{"name", name}, {"labels", {{"app", "train"}}}}},
          {"status",
           {{"phase", phase},
            {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
}

json Budget(const std::string& name, const std::string& field, json value) {
  return {{"metadata", {{"name", name}}},
          {"spec", {{field, value}, {"selector", {{"matchLabels", {{"app", "train"}}}}}}}};
}

TEST(EvictionTest, MinAvailableAndMaxUnavailable) {
  std::vector<json> pods = {Pod("a", "Running"), Pod("b", "Running"), Pod("c", "Running")};
  EXPECT_TRUE(CheckEviction(pods[0], {Budget("pdb", "minAvailable", 2)}, pods).ok());
  absl::Status blocked = CheckEviction(pods[0], {Budget("pdb", "minAvailable", 3)}, pods);
  EXPECT_EQ(HttpCodeOf(blocked), 429);
  json status = ToKubeStatus(blocked);
  EXPECT_EQ(status["reason"], "TooManyRequests");
  EXPECT_EQ(status["details"]["causes"][0]["reason"], "DisruptionBudget");
  EXPECT_EQ(status["details"]["causes"][0]["message"],
            "The disruption budget pdb needs 3 healthy pods and has 3 currently");
  EXPECT_TRUE(CheckEviction(pods[0], {Budget("pdb", "maxUnavailable", 1)}, pods).ok());
  EXPECT_EQ(HttpCodeOf(CheckEviction(pods[0], {Budget("pdb", "maxUnavailable", 0)}, pods)), 429);
  EXPECT_TRUE(CheckEviction(pods[0], {Budget("pdb", "minAvailable", "50%")}, pods).ok());
  EXPECT_EQ(HttpCodeOf(CheckEviction(pods[0], {Budget("pdb", "minAvailable", "100%")}, pods)), 429);
}

TEST(EvictionTest, UnhealthyPodsAndUnrelatedBudgets) {
  std::vector<json> pods = {Pod("a", "Running", false), Pod("b", "Running")};
  EXPECT_TRUE(CheckEviction(pods[0], {Budget("pdb", "minAvailable", 2)}, pods).ok())
      << "an unready pod does not count against the budget";
  EXPECT_TRUE(
      CheckEviction(Pod("done", "Succeeded"), {Budget("pdb", "minAvailable", 9)}, pods).ok());
  json other = Budget("other", "minAvailable", 9);
  other["spec"]["selector"]["matchLabels"]["app"] = "serve";
  EXPECT_TRUE(CheckEviction(pods[1], {other}, pods).ok());
  EXPECT_EQ(
      HttpCodeOf(CheckEviction(
          pods[1], {Budget("one", "minAvailable", 0), Budget("two", "minAvailable", 0)}, pods)),
      500);
}

TEST(SchemaValidationTest, TypesRequiredEnumsAndBounds) {
  const json schema = json::parse(R"({"type": "object", "properties": {
      "spec": {"type": "object", "required": ["node"], "properties": {
          "node": {"type": "string"},
          "gpu": {"type": "integer", "minimum": 0, "maximum": 7},
          "ratio": {"type": "number"},
          "kind": {"type": "string", "enum": ["xid", "ecc"]},
          "tags": {"type": "array", "items": {"type": "string"}},
          "port": {"x-kubernetes-int-or-string": true}}}}})");
  EXPECT_TRUE(ValidateAgainstSchema(
                  json::parse(R"({"metadata": {"name": "x"}, "spec": {"node": "n", "gpu": 3,
                      "ratio": 2, "kind": "ecc", "tags": ["a"], "port": "http"}})"),
                  schema)
                  .empty());
  std::vector<FieldCause> causes = ValidateAgainstSchema(
      json::parse(
          R"({"spec": {"gpu": 9, "kind": "cosmic", "tags": [1], "ratio": "x", "port": true}})"),
      schema);
  std::vector<std::string> fields;
  for (const FieldCause& cause : causes) fields.push_back(cause.field + " " + cause.type);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre(
                          "spec.node FieldValueRequired", "spec.gpu FieldValueInvalid",
                          "spec.kind FieldValueNotSupported", "spec.tags[0] FieldValueTypeInvalid",
                          "spec.ratio FieldValueTypeInvalid", "spec.port FieldValueTypeInvalid"));
}

TEST(SchemaValidationTest, PruneUnknownFields) {
  const json schema = json::parse(R"({"type": "object", "properties": {
      "spec": {"type": "object", "properties": {
          "node": {"type": "string"},
          "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
          "labels": {"type": "object", "additionalProperties": {"type": "string"}},
          "items": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}}}}}})");
  json object = json::parse(R"({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "n"},
      "spec": {"node": "n1", "typo": 1, "extra": {"anything": true}, "labels": {"k": "v"},
               "items": [{"a": "x", "b": "y"}]}, "stray": 1})");
  std::vector<std::string> removed = PruneUnknownFields(object, schema);
  EXPECT_THAT(removed, ::testing::UnorderedElementsAre("spec.typo", "spec.items[0].b", "stray"));
  EXPECT_EQ(object, json::parse(R"({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "n"},
      "spec": {"node": "n1", "extra": {"anything": true}, "labels": {"k": "v"},
               "items": [{"a": "x"}]}})"));
}

constexpr char kCrd[] = R"({"metadata": {"name": "widgets.x.io"},
  "spec": {"group": "x.io", "scope": "Namespaced",
           "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
           "versions": [{"name": "v1", "served": true, "storage": true,
                         "subresources": {"status": {}},
                         "schema": {"openAPIV3Schema": {"type": "object", "description": "A widget."}},
                         "additionalPrinterColumns": [{"name": "Size", "type": "integer",
                                                       "jsonPath": ".spec.size"}]},
                        {"name": "v0", "served": false}]}})";

TEST(ResourceRegistryTest, CrdsAppearAndDisappear) {
  ResourceRegistry registry;
  EXPECT_TRUE(registry.Find("", "v1", "nodes").has_value());
  EXPECT_FALSE(registry.Find("x.io", "v1", "widgets").has_value());
  ASSERT_TRUE(registry.AddCrd(json::parse(kCrd)).ok());
  std::optional<ResourceInfo> widgets = registry.Find("x.io", "v1", "widgets");
  ASSERT_TRUE(widgets.has_value());
  EXPECT_TRUE(widgets->namespaced);
  EXPECT_TRUE(widgets->has_status);
  EXPECT_EQ(widgets->singular, "widget");
  EXPECT_EQ(widgets->columns[0].json_path, ".spec.size");
  EXPECT_FALSE(registry.Find("x.io", "v0", "widgets").has_value()) << "v0 is not served";
  std::optional<json> list = registry.ApiResourceList("x.io", "v1");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ((*list)["resources"][0]["shortNames"], json::parse(R"(["wd"])"));
  EXPECT_EQ((*list)["resources"][1]["name"], "widgets/status");
  bool listed = false;
  const json groups = registry.ApiGroupList();
  for (const json& group : groups["groups"]) listed |= group["name"] == "x.io";
  EXPECT_TRUE(listed);
  EXPECT_TRUE(OpenApiV3Index(registry)["paths"].contains("apis/x.io/v1"));
  std::optional<json> openapi = OpenApiV3GroupVersion(registry, "x.io", "v1");
  ASSERT_TRUE(openapi.has_value());
  const json& patch =
      (*openapi)["paths"]["/apis/x.io/v1/namespaces/{namespace}/widgets/{name}"]["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"]["kind"], "Widget");
  const json& schema = (*openapi)["components"]["schemas"]["io.x.v1.Widget"];
  EXPECT_EQ(schema["description"], "A widget.") << openapi->dump();
  EXPECT_EQ(schema["x-kubernetes-group-version-kind"][0]["kind"], "Widget");
  registry.RemoveCrd("widgets.x.io");
  EXPECT_FALSE(registry.Find("x.io", "v1", "widgets").has_value());
  EXPECT_FALSE(registry.ApiResourceList("x.io", "v1").has_value());
}

// Finds the item of `group` ("" for the core group) in an APIGroupDiscoveryList.
json DiscoveryGroup(const json& list, const std::string& group) {
  for (const json& item : list["items"]) {
    if (item["metadata"].value("name", "") == group) return item;
  }
  ADD_FAILURE() << "no group \"" << group << "\" in " << list.dump();
  return json::object();
}

// Finds resource `name` among a discovery group version's resources.
json DiscoveryResource(const json& version, const std::string& name) {
  for (const json& resource : version["resources"]) {
    if (resource["resource"] == name) return resource;
  }
  ADD_FAILURE() << "no resource " << name << " in " << version.dump();
  return json::object();
}

TEST(ResourceRegistryTest, AggregatedDiscoveryHoldsEveryResourceOfItsGroups) {
  ResourceRegistry registry;
  const json core = registry.AggregatedDiscovery(/*core_group=*/true, "v2");
  EXPECT_EQ(core["kind"], "APIGroupDiscoveryList");
  EXPECT_EQ(core["apiVersion"], "apidiscovery.k8s.io/v2");
  ASSERT_EQ(core["items"].size(), 1u) << "/api holds the core group alone";
  const json& v1 = core["items"][0]["versions"][0];
  EXPECT_FALSE(core["items"][0]["metadata"].contains("name"));
  EXPECT_EQ(v1["version"], "v1");
  EXPECT_EQ(v1["freshness"], "Current");
  const json nodes = DiscoveryResource(v1, "nodes");
  EXPECT_EQ(nodes["scope"], "Cluster");
  EXPECT_EQ(nodes["singularResource"], "node");
  EXPECT_EQ(nodes["responseKind"], json::parse(R"({"group":"","version":"v1","kind":"Node"})"));
  EXPECT_EQ(nodes["shortNames"], json::parse(R"(["no"])"));
  const json pods = DiscoveryResource(v1, "pods");
  EXPECT_EQ(pods["scope"], "Namespaced");
  std::map<std::string, json> subresources;
  for (const json& sub : pods["subresources"]) subresources[sub["subresource"]] = sub;
  ASSERT_TRUE(subresources.contains("eviction")) << pods.dump();
  EXPECT_EQ(subresources["eviction"]["responseKind"],
            json::parse(R"({"group":"policy","version":"v1","kind":"Eviction"})"));
  EXPECT_EQ(subresources["eviction"]["verbs"], json::parse(R"(["create"])"));
  EXPECT_EQ(subresources["log"]["verbs"], json::parse(R"(["get"])"));
  EXPECT_EQ(subresources["status"]["responseKind"]["kind"], "Pod");

  ASSERT_TRUE(registry.AddCrd(json::parse(kCrd)).ok());
  const json named = registry.AggregatedDiscovery(/*core_group=*/false, "v2beta1");
  EXPECT_EQ(named["apiVersion"], "apidiscovery.k8s.io/v2beta1");
  for (const json& item : named["items"]) {
    EXPECT_TRUE(item["metadata"].contains("name")) << "/apis holds named groups only";
  }
  const json widgets_group = DiscoveryGroup(named, "x.io");
  ASSERT_EQ(widgets_group["versions"].size(), 1u) << "only served versions are listed";
  const json widgets = DiscoveryResource(widgets_group["versions"][0], "widgets");
  EXPECT_EQ(widgets["responseKind"],
            json::parse(R"({"group":"x.io","version":"v1","kind":"Widget"})"));
  EXPECT_EQ(widgets["subresources"][0]["subresource"], "status");
  const json policy = DiscoveryGroup(named, "policy");
  EXPECT_EQ(DiscoveryResource(policy["versions"][0], "poddisruptionbudgets")["scope"],
            "Namespaced");
  registry.RemoveCrd("widgets.x.io");
  const json without_crd = registry.AggregatedDiscovery(false, "v2");
  for (const json& item : without_crd["items"]) {
    EXPECT_NE(item["metadata"]["name"], "x.io");
  }
}

TEST(ResourceRegistryTest, MalformedCrdsAreRefused) {
  ResourceRegistry registry;
  json crd = json::parse(kCrd);
  crd["spec"]["scope"] = "Galaxy";
  EXPECT_EQ(registry.AddCrd(crd).code(), absl::StatusCode::kInvalidArgument);
  crd = json::parse(kCrd);
  crd["spec"]["names"].erase("plural");
  EXPECT_THAT(std::string(registry.AddCrd(crd).message()),
              ::testing::HasSubstr("spec.names.plural"));
  crd = json::parse(kCrd);
  crd["spec"]["group"] = "";
  crd["spec"]["names"]["plural"] = "nodes";
  EXPECT_FALSE(registry.AddCrd(crd).ok());
}

}  // namespace
}  // namespace nvsx::sim
