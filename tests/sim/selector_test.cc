#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sim/field_selector.h"
#include "sim/label_selector.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

bool LabelsMatch(std::string_view selector, const json& labels) {
  absl::StatusOr<LabelSelector> parsed = LabelSelector::Parse(selector);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() && parsed->Matches(labels);
}

TEST(LabelSelectorTest, EmptyMatchesEverything) {
  EXPECT_TRUE(LabelsMatch("", json()));
  EXPECT_TRUE(LabelsMatch("  ", json{{"a", "b"}}));
}

TEST(LabelSelectorTest, Equality) {
  const json labels = {{"pool", "gpu"}, {"rack", "r1"}};
  EXPECT_TRUE(LabelsMatch("pool=gpu", labels));
  EXPECT_TRUE(LabelsMatch("pool==gpu", labels));
  EXPECT_TRUE(LabelsMatch("pool=gpu,rack=r1", labels));
  EXPECT_FALSE(LabelsMatch("pool=gpu,rack=r2", labels));
  EXPECT_FALSE(LabelsMatch("pool!=gpu", labels));
  EXPECT_TRUE(LabelsMatch("zone!=x", labels)) << "!= matches an absent label";
  EXPECT_TRUE(LabelsMatch("nvidia.com/gpu.present=true", json{{"nvidia.com/gpu.present", "true"}}));
  EXPECT_TRUE(LabelsMatch("empty=", json{{"empty", ""}}));
}

TEST(LabelSelectorTest, SetBased) {
  const json labels = {{"pool", "gpu"}, {"tier", "a"}};
  EXPECT_TRUE(LabelsMatch("pool in (cpu, gpu)", labels));
  EXPECT_FALSE(LabelsMatch("pool in (cpu)", labels));
  EXPECT_TRUE(LabelsMatch("pool notin (cpu)", labels));
  EXPECT_FALSE(LabelsMatch("pool notin (gpu,cpu)", labels));
  EXPECT_TRUE(LabelsMatch("missing notin (x)", labels));
  EXPECT_FALSE(LabelsMatch("missing in (x)", labels));
  EXPECT_TRUE(LabelsMatch("pool", labels));
  EXPECT_FALSE(LabelsMatch("missing", labels));
  EXPECT_TRUE(LabelsMatch("!missing", labels));
  EXPECT_FALSE(LabelsMatch("!pool", labels));
  EXPECT_TRUE(LabelsMatch("pool,!missing,tier in (a,b)", labels));
}

TEST(LabelSelectorTest, Numeric) {
  EXPECT_TRUE(LabelsMatch("gpus>4", json{{"gpus", "8"}}));
  EXPECT_FALSE(LabelsMatch("gpus<4", json{{"gpus", "8"}}));
  EXPECT_FALSE(LabelsMatch("gpus>4", json{{"gpus", "many"}}));
}

TEST(LabelSelectorTest, BadInputIsAnErrorNamingThePosition) {
  for (std::string_view bad : {"a in b", "a in (b", "!", "a=b,,c", "=b", "a>x", "a b"}) {
    absl::StatusOr<LabelSelector> parsed = LabelSelector::Parse(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(parsed.status().message()).find("position"), std::string::npos);
  }
}

TEST(LabelSelectorTest, FromJsonMatchLabelsAndExpressions) {
  absl::StatusOr<LabelSelector> selector = LabelSelector::FromJson(json::parse(R"({
    "matchLabels": {"app": "train"},
    "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]},
                         {"key": "canary", "operator": "DoesNotExist"}]})"));
  ASSERT_TRUE(selector.ok()) << selector.status();
  EXPECT_TRUE(selector->Matches(json{{"app", "train"}, {"tier", "b"}}));
  EXPECT_FALSE(selector->Matches(json{{"app", "train"}, {"tier", "c"}}));
  EXPECT_FALSE(selector->Matches(json{{"app", "train"}, {"tier", "a"}, {"canary", "1"}}));
  absl::StatusOr<LabelSelector> nothing = LabelSelector::FromJson(json());
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->Matches(json::object()));
  EXPECT_FALSE(LabelSelector::FromJson(
                   json::parse(R"({"matchExpressions": [{"key": "a", "operator": "Near"}]})"))
                   .ok());
}

TEST(FieldSelectorTest, DottedPathEqualityAndInequality) {
  const json pod = json::parse(R"({"metadata": {"name": "p1", "namespace": "ml"},
      "spec": {"nodeName": "node-1", "priority": 5}, "status": {"phase": "Running"}})");
  auto matches = [&](std::string_view text) {
    absl::StatusOr<FieldSelector> selector = FieldSelector::Parse(text);
    EXPECT_TRUE(selector.ok()) << selector.status();
    return selector.ok() && selector->Matches(pod);
  };
  EXPECT_TRUE(matches(""));
  EXPECT_TRUE(matches("metadata.name=p1"));
  EXPECT_TRUE(matches("metadata.namespace==ml,spec.nodeName=node-1"));
  EXPECT_FALSE(matches("spec.nodeName=node-2"));
  EXPECT_TRUE(matches("status.phase!=Succeeded"));
  EXPECT_FALSE(matches("status.phase!=Running"));
  EXPECT_TRUE(matches("spec.priority=5"));
  EXPECT_TRUE(matches("spec.missing="));
  EXPECT_FALSE(matches("spec.missing!="));
}

TEST(FieldSelectorTest, InvolvedObjectAndEscapes) {
  const json event =
      json::parse(R"({"involvedObject": {"kind": "Node", "name": "a,b=c"}, "reason": "Cordon"})");
  absl::StatusOr<FieldSelector> selector =
      FieldSelector::Parse(R"(involvedObject.kind=Node,involvedObject.name=a\,b\=c)");
  ASSERT_TRUE(selector.ok()) << selector.status();
  EXPECT_TRUE(selector->Matches(event));
  ASSERT_NE(selector->RequiredValue("involvedObject.kind"), nullptr);
  EXPECT_EQ(*selector->RequiredValue("involvedObject.kind"), "Node");
  EXPECT_EQ(selector->RequiredValue("reason"), nullptr);
}

TEST(FieldSelectorTest, BadInput) {
  for (std::string_view bad : {"metadata.name", "=x", "a=b\\q"}) {
    EXPECT_EQ(FieldSelector::Parse(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace nvsx::sim
