#include "nvsx/watch_evaluation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nvsx/watch_source.h"

namespace nvsx::op {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

WatchClause Clause(WatchKind kind, std::map<std::string, std::string> fields) {
  return WatchClause{kind, std::move(fields)};
}

ObjectList Objects(std::initializer_list<json> objects) {
  ObjectList list;
  for (const json& object : objects) list.push_back(std::make_shared<const json>(object));
  return list;
}

WatchVerdict Judge(const WatchClause& clause, std::vector<ObjectList> sources,
                   absl::Time events_since = absl::InfinitePast()) {
  return EvaluateWatch(clause, {"gpu-node-3", events_since}, sources);
}

json Node(json spec, json conditions = json::array()) {
  return {{"metadata", {{"name", "gpu-node-3"}}},
          {"spec", std::move(spec)},
          {"status", {{"conditions", std::move(conditions)}}}};
}

json Pod(const std::string& name, const std::string& phase) {
  return {{"metadata", {{"name", name}, {"namespace", "ml"}}},
          {"spec", {{"nodeName", "gpu-node-3"}}},
          {"status", {{"phase", phase}}}};
}

TEST(WatchSourceTest, NodeKindsWatchOnlyTheTargetNode) {
  for (WatchKind kind : {WatchKind::kNode, WatchKind::kNodeCondition, WatchKind::kTaint}) {
    std::vector<WatchSource> sources = SourcesOf(Clause(kind, {}), "gpu-node-3");
    ASSERT_EQ(sources.size(), 1u);
    EXPECT_EQ(sources[0].collection.resource, "nodes");
    EXPECT_EQ(sources[0].field_selector, "metadata.name=gpu-node-3");
  }
}

TEST(WatchSourceTest, EqualSourcesShareAKeyAndDifferentOnesDoNot) {
  const auto taint = SourcesOf(Clause(WatchKind::kTaint, {{"key", "a"}}), "n1");
  const auto condition = SourcesOf(Clause(WatchKind::kNodeCondition, {{"type", "Ready"}}), "n1");
  const auto other_node = SourcesOf(Clause(WatchKind::kTaint, {{"key", "a"}}), "n2");
  EXPECT_EQ(taint[0].Key(), condition[0].Key());
  EXPECT_NE(taint[0].Key(), other_node[0].Key());
}

TEST(WatchSourceTest, PodEventWatchesEventsAndThePodsOnTheNode) {
  const auto sources = SourcesOf(Clause(WatchKind::kPodEvent, {{"reason", "Evicted"}}), "n1");
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0].collection.resource, "events");
  EXPECT_EQ(sources[1].field_selector, "spec.nodeName=n1");
  EXPECT_TRUE(SourcesOf(Clause(WatchKind::kLog, {}), "n1").empty());
  EXPECT_FALSE(IsObjectWatch(WatchKind::kMongoEvent));
}

TEST(WatchEvaluationTest, NodeFieldComparesTheValueAndReadsAnOmittedFalse) {
  const WatchClause cordoned =
      Clause(WatchKind::kNode, {{"field", "spec.unschedulable"}, {"expect", "true"}});
  EXPECT_TRUE(Judge(cordoned, {Objects({Node({{"unschedulable", true}})})}).satisfied);
  EXPECT_FALSE(Judge(cordoned, {Objects({Node(json::object())})}).satisfied);
  const WatchClause uncordoned =
      Clause(WatchKind::kNode, {{"field", "spec.unschedulable"}, {"expect", "==false"}});
  EXPECT_TRUE(Judge(uncordoned, {Objects({Node(json::object())})}).satisfied);
  const WatchVerdict missing = Judge(cordoned, {ObjectList{}});
  EXPECT_FALSE(missing.satisfied);
  EXPECT_THAT(missing.detail, HasSubstr("gpu-node-3 not found"));
}

TEST(WatchEvaluationTest, NodeConditionDefaultsToTrue) {
  const json node = Node(json::object(), {{{"type", "GpuPcieWatch"}, {"status", "True"}}});
  EXPECT_TRUE(
      Judge(Clause(WatchKind::kNodeCondition, {{"type", "GpuPcieWatch"}}), {Objects({node})})
          .satisfied);
  const WatchVerdict recovered =
      Judge(Clause(WatchKind::kNodeCondition, {{"type", "GpuPcieWatch"}, {"status", "False"}}),
            {Objects({node})});
  EXPECT_FALSE(recovered.satisfied);
  EXPECT_THAT(recovered.detail, HasSubstr("GpuPcieWatch=True (want False)"));
  EXPECT_THAT(
      Judge(Clause(WatchKind::kNodeCondition, {{"type", "Other"}}), {Objects({node})}).detail,
      HasSubstr("has no condition Other"));
}

TEST(WatchEvaluationTest, TaintMatchesKeyAndOptionalEffect) {
  const json node =
      Node({{"taints", {{{"key", "nvidia.com/gpu-error"}, {"effect", "NoSchedule"}}}}});
  EXPECT_TRUE(Judge(Clause(WatchKind::kTaint, {{"key", "nvidia.com/gpu-error"}}), {Objects({node})})
                  .satisfied);
  EXPECT_FALSE(
      Judge(Clause(WatchKind::kTaint, {{"key", "nvidia.com/gpu-error"}, {"effect", "NoExecute"}}),
            {Objects({node})})
          .satisfied);
  EXPECT_FALSE(Judge(Clause(WatchKind::kTaint, {{"key", "other"}}), {Objects({node})}).satisfied);
}

TEST(WatchEvaluationTest, PodExpectationForms) {
  const ObjectList pods = Objects({Pod("a", "Running"), Pod("b", "Running")});
  const ObjectList mixed = Objects({Pod("a", "Running"), Pod("b", "Pending")});
  auto pod = [](std::string expect) {
    return Clause(WatchKind::kPod, {{"selector", "app=train"}, {"expect", std::move(expect)}});
  };
  EXPECT_TRUE(Judge(pod(">=2"), {pods}).satisfied);
  EXPECT_FALSE(Judge(pod(">=3"), {pods}).satisfied);
  EXPECT_TRUE(Judge(pod("==0"), {ObjectList{}}).satisfied);
  EXPECT_FALSE(Judge(pod("==0"), {pods}).satisfied);
  EXPECT_TRUE(Judge(pod("phase=Running"), {pods}).satisfied);
  const WatchVerdict pending = Judge(pod("phase=Running"), {mixed});
  EXPECT_FALSE(pending.satisfied);
  EXPECT_THAT(pending.detail, HasSubstr("pod b has status.phase=Pending"));
  EXPECT_FALSE(Judge(pod("phase=Running"), {ObjectList{}}).satisfied);
  EXPECT_TRUE(Judge(pod("phase!=Running"), {ObjectList{}}).satisfied);
  EXPECT_TRUE(Judge(pod("Pending"), {mixed}).satisfied);
  EXPECT_FALSE(Judge(pod("Failed"), {mixed}).satisfied);
  EXPECT_TRUE(Judge(Clause(WatchKind::kPod, {{"selector", "app=train"}}), {pods}).satisfied);
  EXPECT_FALSE(
      Judge(Clause(WatchKind::kPod, {{"selector", "app=train"}}), {ObjectList{}}).satisfied);
}

TEST(WatchEvaluationTest, CrdMatchesTheTargetNodeBySpecNodeNameOrNode) {
  const WatchClause reboot =
      Clause(WatchKind::kCrd, {{"group", "janitor.dgxc.nvidia.com"}, {"resource", "rebootnodes"}});
  const json other = {{"metadata", {{"name", "r1"}}}, {"spec", {{"nodeName", "gpu-node-1"}}}};
  const json mine = {{"metadata", {{"name", "r2"}}}, {"spec", {{"node", "gpu-node-3"}}}};
  EXPECT_FALSE(Judge(reboot, {Objects({other})}).satisfied);
  const WatchVerdict found = Judge(reboot, {Objects({other, mine})});
  EXPECT_TRUE(found.satisfied);
  EXPECT_THAT(found.detail, HasSubstr("rebootnodes/r2"));
}

TEST(WatchEvaluationTest, PodEventNeedsAPodOnTheNodeAndANewEvent) {
  const WatchClause evicted = Clause(WatchKind::kPodEvent, {{"reason", "Evicted"}});
  const json event = {{"reason", "Evicted"},
                      {"involvedObject", {{"kind", "Pod"}, {"name", "a"}, {"namespace", "ml"}}},
                      {"lastTimestamp", "2026-11-23T20:00:05Z"}};
  const ObjectList on_node = Objects({Pod("a", "Running")});
  EXPECT_TRUE(Judge(evicted, {Objects({event}), on_node}).satisfied);
  EXPECT_FALSE(Judge(evicted, {Objects({event}), ObjectList{}}).satisfied);
  json from_host = event;
  from_host["source"] = {{"host", "gpu-node-3"}};
  EXPECT_TRUE(Judge(evicted, {Objects({from_host}), ObjectList{}}).satisfied);
  absl::Time after;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, "2026-11-23T20:00:06.500Z", &after, &error));
  EXPECT_FALSE(Judge(evicted, {Objects({event}), on_node}, after).satisfied)
      << "an event from before the run must not count";
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, "2026-11-23T20:00:05.700Z", &after, &error));
  EXPECT_TRUE(Judge(evicted, {Objects({event}), on_node}, after).satisfied)
      << "events carry whole seconds: one in the run's first second counts";
}

TEST(WatchEvaluationTest, HealthEventMatchesNodeCheckXidAndPhaseReachedEarlier) {
  const json event = {
      {"metadata", {{"name", "gpu-node-3-xid79"}}},
      {"spec", {{"nodeName", "gpu-node-3"}, {"checkName", "GpuXidError"}, {"errorCode", {"79"}}}},
      {"status",
       {{"phase", "Drained"},
        {"phaseTimes",
         {{"New", "2026-11-23T20:00:00.000Z"},
          {"Quarantined", "2026-11-23T20:00:00.020Z"},
          {"Drained", "2026-11-23T20:00:01.000Z"}}}}}};
  auto watch = [](std::map<std::string, std::string> fields) {
    return Clause(WatchKind::kHealthEvent, std::move(fields));
  };
  EXPECT_TRUE(Judge(watch({{"xid", "79"}}), {Objects({event})}).satisfied);
  EXPECT_TRUE(Judge(watch({{"phase", "Quarantined"}}), {Objects({event})}).satisfied);
  EXPECT_TRUE(
      Judge(watch({{"phase", "drained"}, {"check", "GpuXidError"}}), {Objects({event})}).satisfied);
  EXPECT_FALSE(Judge(watch({{"phase", "Resolved"}}), {Objects({event})}).satisfied);
  EXPECT_FALSE(Judge(watch({{"xid", "48"}}), {Objects({event})}).satisfied);
  json elsewhere = event;
  elsewhere["spec"]["nodeName"] = "gpu-node-1";
  const WatchVerdict none = Judge(watch({{"xid", "79"}}), {Objects({elsewhere})});
  EXPECT_FALSE(none.satisfied);
  EXPECT_THAT(none.detail, HasSubstr("no healthevent for gpu-node-3 with xid 79"));
}

TEST(WatchEvaluationTest, FieldTextReadsNestedScalars) {
  const json object = {{"spec", {{"replicas", 3}, {"name", "x"}, {"on", true}}}};
  EXPECT_EQ(FieldText(object, "spec.replicas"), "3");
  EXPECT_EQ(FieldText(object, "spec.name"), "x");
  EXPECT_EQ(FieldText(object, "spec.on"), "true");
  EXPECT_EQ(FieldText(object, "spec.missing"), "");
  EXPECT_EQ(FieldText(object, "spec.name.deeper"), "");
}

}  // namespace
}  // namespace nvsx::op
