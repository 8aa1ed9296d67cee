#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sim/json_patch.h"
#include "sim/strategic_merge_patch.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

TEST(MergePatchTest, Rfc7386Examples) {
  // From RFC 7386 section 3.
  const json target = json::parse(
      R"({"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"},
          "tags": ["example", "sample"], "content": "This will be unchanged"})");
  const json patch = json::parse(
      R"({"title": "Hello!", "phoneNumber": "+01-123-456-7890",
          "author": {"familyName": null}, "tags": ["example"]})");
  EXPECT_EQ(ApplyMergePatch(target, patch),
            json::parse(R"({"title": "Hello!", "author": {"givenName": "John"},
                "tags": ["example"], "content": "This will be unchanged",
                "phoneNumber": "+01-123-456-7890"})"));
  EXPECT_EQ(ApplyMergePatch(json{{"a", "b"}}, json::parse("[\"c\"]")), json::parse("[\"c\"]"));
  EXPECT_EQ(
      ApplyMergePatch(json{{"a", {{"b", "c"}}}}, json::parse(R"({"a": {"b": "d", "c": null}})")),
      json::parse(R"({"a": {"b": "d"}})"));
}

TEST(JsonPatchTest, AllOperations) {
  const json target = json::parse(R"({"metadata": {"labels": {"a": "1"}}, "list": [1, 2, 3]})");
  absl::StatusOr<json> patched = ApplyJsonPatch(target, json::parse(R"([
      {"op": "test", "path": "/metadata/labels/a", "value": "1"},
      {"op": "add", "path": "/metadata/labels/b", "value": "2"},
      {"op": "replace", "path": "/metadata/labels/a", "value": "x"},
      {"op": "remove", "path": "/list/0"},
      {"op": "add", "path": "/list/-", "value": 4},
      {"op": "copy", "from": "/metadata/labels/b", "path": "/copied"},
      {"op": "move", "from": "/copied", "path": "/moved"}])"));
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ(*patched, json::parse(R"({"metadata": {"labels": {"a": "x", "b": "2"}},
                                      "list": [2, 3, 4], "moved": "2"})"));
}

TEST(JsonPatchTest, FailedTestAndMissingPathDoNotApply) {
  const json target = json::parse(R"({"a": 1})");
  absl::StatusOr<json> failed =
      ApplyJsonPatch(target, json::parse(R"([{"op": "test", "path": "/a", "value": 2}])"));
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<json> missing =
      ApplyJsonPatch(target, json::parse(R"([{"op": "remove", "path": "/b"}])"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(JsonPatchTest, MalformedPatchesAreInvalidArgument) {
  const json target = json::object();
  for (const char* bad : {R"({"op": "add"})", R"([{"op": "frobnicate", "path": "/a"}])",
                          R"([{"op": "add", "value": 1}])", R"([{"op": "add", "path": "/a"}])",
                          R"([{"op": "move", "path": "/a"}])"}) {
    EXPECT_EQ(ApplyJsonPatch(target, json::parse(bad)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

json Strategic(const json& original, const char* patch) {
  absl::StatusOr<json> result =
      ApplyStrategicMergePatch(original, json::parse(patch), DefaultPatchMergeKeys());
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : json();
}

TEST(StrategicMergePatchTest, CordonAndUncordon) {
  const json node = json::parse(R"({"metadata": {"name": "n1"}, "spec": {"podCIDR": "x"}})");
  json cordoned = Strategic(node, R"({"spec": {"unschedulable": true}})");
  EXPECT_EQ(cordoned["spec"], json::parse(R"({"podCIDR": "x", "unschedulable": true})"));
  json uncordoned = Strategic(cordoned, R"({"spec": {"unschedulable": null}})");
  EXPECT_EQ(uncordoned["spec"], json::parse(R"({"podCIDR": "x"})"));
}

TEST(StrategicMergePatchTest, LabelsAnnotationsAndTaintsAsKubectlSendsThem) {
  const json node = json::parse(R"({"metadata": {"name": "n1", "labels": {"a": "1", "b": "2"}},
      "spec": {"taints": [{"key": "k1", "effect": "NoSchedule"}]}})");
  json patched = Strategic(node, R"({"metadata": {"labels": {"a": null, "c": "3"},
      "annotations": {"note": "x"}},
      "spec": {"taints": [{"key": "k2", "value": "v", "effect": "NoExecute"}]}})");
  EXPECT_EQ(patched["metadata"]["labels"], json::parse(R"({"b": "2", "c": "3"})"));
  EXPECT_EQ(patched["metadata"]["annotations"], json::parse(R"({"note": "x"})"));
  // taints have no patch merge key: the list is replaced.
  EXPECT_EQ(patched["spec"]["taints"],
            json::parse(R"([{"key": "k2", "value": "v", "effect": "NoExecute"}])"));
}

TEST(StrategicMergePatchTest, ConditionsMergeByType) {
  const json node = json::parse(R"({"status": {"conditions": [
      {"type": "Ready", "status": "True"}, {"type": "MemoryPressure", "status": "False"}]}})");
  json patched = Strategic(node, R"({"status": {
      "$setElementOrder/conditions": [{"type": "Ready"}, {"type": "MemoryPressure"}, {"type": "GpuHealthy"}],
      "conditions": [{"type": "Ready", "status": "False", "reason": "KubeletDown"},
                     {"type": "GpuHealthy", "status": "False"}]}})");
  EXPECT_EQ(patched["status"]["conditions"], json::parse(R"([
      {"type": "Ready", "status": "False", "reason": "KubeletDown"},
      {"type": "MemoryPressure", "status": "False"},
      {"type": "GpuHealthy", "status": "False"}])"));
}

TEST(StrategicMergePatchTest, ContainersByNameWithDeleteDirective) {
  const json pod = json::parse(R"({"spec": {"containers": [
      {"name": "main", "image": "a:1", "env": [{"name": "X", "value": "1"}]},
      {"name": "sidecar", "image": "s:1"}]}})");
  json patched = Strategic(pod, R"({"spec": {"containers": [
      {"name": "main", "image": "a:2", "env": [{"name": "Y", "value": "2"}]},
      {"name": "sidecar", "$patch": "delete"}]}})");
  EXPECT_EQ(patched["spec"]["containers"], json::parse(R"([{"name": "main", "image": "a:2",
      "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}])"));
}

TEST(StrategicMergePatchTest, ReplaceDirectives) {
  const json object = json::parse(R"({"spec": {"a": 1, "b": 2},
      "status": {"conditions": [{"type": "A"}, {"type": "B"}]}})");
  json patched = Strategic(object, R"({"spec": {"$patch": "replace", "c": 3},
      "status": {"conditions": [{"$patch": "replace"}, {"type": "C"}]}})");
  EXPECT_EQ(patched["spec"], json::parse(R"({"c": 3})"));
  EXPECT_EQ(patched["status"]["conditions"], json::parse(R"([{"type": "C"}])"));
  json deleted = Strategic(object, R"({"spec": {"$patch": "delete"}})");
  EXPECT_FALSE(deleted.contains("spec"));
}

TEST(StrategicMergePatchTest, FinalizersMergeAsASetAndDeleteFromPrimitiveList) {
  const json object = json::parse(R"({"metadata": {"finalizers": ["a", "b"]}})");
  EXPECT_EQ(
      Strategic(object, R"({"metadata": {"finalizers": ["b", "c"]}})")["metadata"]["finalizers"],
      json::parse(R"(["a", "b", "c"])"));
  EXPECT_EQ(
      Strategic(object,
                R"({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}})")["metadata"]
                                                                                  ["finalizers"],
      json::parse(R"(["b"])"));
}

TEST(StrategicMergePatchTest, RetainKeys) {
  const json object = json::parse(R"({"spec": {"strategy": {"type": "A", "a": {"x": 1}}}})");
  json patched =
      Strategic(object, R"({"spec": {"strategy": {"$retainKeys": ["type"], "type": "B"}}})");
  EXPECT_EQ(patched["spec"]["strategy"], json::parse(R"({"type": "B"})"));
}

TEST(StrategicMergePatchTest, BadInput) {
  const PatchMergeKeys& keys = DefaultPatchMergeKeys();
  EXPECT_FALSE(ApplyStrategicMergePatch(json::object(), json::parse("[1]"), keys).ok());
  EXPECT_FALSE(ApplyStrategicMergePatch(json::object(),
                                        json::parse(R"({"spec": {"$patch": "explode"}})"), keys)
                   .ok());
  absl::Status no_key = ApplyStrategicMergePatch(
                            json::parse(R"({"status": {"conditions": []}})"),
                            json::parse(R"({"status": {"conditions": [{"status": "x"}]}})"), keys)
                            .status();
  EXPECT_EQ(no_key.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(no_key.message()).find("status.conditions"), std::string::npos);
}

}  // namespace
}  // namespace nvsx::sim
