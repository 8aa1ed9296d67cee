// The controllers' pure decisions, without a cluster: quarantine, the node
// record, the circuit breaker's count, the drain plan and GPU pod selection.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/circuit_breaker.h"
#include "controller/drain_plan.h"
#include "controller/names.h"
#include "controller/quarantine_decision.h"
#include "controller/quarantine_record.h"
#include "core/time_format.h"
#include "kube/indexed_cache.h"
#include "test_support/fake_clock.h"

namespace nvsx::controller {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

json EventJson(bool fatal = true, bool healthy = false, const std::string& strategy = "") {
  json spec = {{"nodeName", "n1"},
               {"agent", "health-provider"},
               {"checkName", "GpuPcieWatch"},
               {"isFatal", fatal},
               {"isHealthy", healthy},
               {"errorCode", {"79"}},
               {"entitiesImpacted",
                {{{"entityType", "GPU"}, {"entityValue", "3"}},
                 {{"entityType", "GPU_UUID"}, {"entityValue", "GPU-ABC"}}}}};
  if (!strategy.empty()) spec["processingStrategy"] = strategy;
  return {{"metadata", {{"name", "e1"}, {"resourceVersion", "7"}}}, {"spec", spec}};
}

json NodeJson(const std::string& name, bool gpu = true) {
  json node = {{"metadata", {{"name", name}, {"resourceVersion", "3"}, {"labels", json::object()}}},
               {"spec", json::object()}};
  if (gpu) node["metadata"]["labels"]["nvidia.com/gpu.present"] = "true";
  return node;
}

json PodJson(const std::string& name, int gpus, const json& extra_meta = json::object()) {
  json pod = {{"metadata", {{"name", name}, {"namespace", "w"}, {"uid", "uid-" + name}}},
              {"spec",
               {{"nodeName", "n1"},
                {"containers",
                 {{{"name", "c"},
                   {"resources", {{"limits", {{"nvidia.com/gpu", std::to_string(gpus)}}}}}}}}}},
              {"status", {{"phase", "Running"}}}};
  pod["metadata"].update(extra_meta);
  return pod;
}

kube::ObjectPtr Ptr(json object) { return std::make_shared<const json>(std::move(object)); }

TEST(DecideQuarantineTest, FatalEventOnAFreshNodeQuarantinesThroughTheBreaker) {
  const kube::HealthEvent event(EventJson());
  const kube::Node node(NodeJson("n1"));
  const QuarantineDecision decision = DecideQuarantine(event, &node, false);
  EXPECT_EQ(decision.action, QuarantineAction::kQuarantine);
  EXPECT_TRUE(decision.needs_breaker);
  EXPECT_EQ(decision.message, "GpuPcieWatch (XID 79) on GPU 3");
}

TEST(DecideQuarantineTest, EventsThatMustNotQuarantine) {
  const kube::Node node(NodeJson("n1"));
  EXPECT_EQ(DecideQuarantine(kube::HealthEvent(EventJson(true, false, "STORE_ONLY")), &node, false)
                .reason,
            kReasonStoreOnly);
  EXPECT_EQ(DecideQuarantine(kube::HealthEvent(EventJson(true, true)), &node, false).reason,
            kReasonHealthySignal);
  EXPECT_EQ(DecideQuarantine(kube::HealthEvent(EventJson(false)), &node, false).reason,
            kReasonNotFatal);
  const QuarantineDecision cleared =
      DecideQuarantine(kube::HealthEvent(EventJson(true, true)), &node, true);
  EXPECT_EQ(cleared.action, QuarantineAction::kCancel);
  EXPECT_EQ(cleared.reason, kReasonFaultCleared);
  EXPECT_EQ(DecideQuarantine(kube::HealthEvent(EventJson()), nullptr, false).reason,
            kReasonNodeNotFound);
  json opted = NodeJson("n1");
  opted["metadata"]["labels"][std::string(kQuarantineOptOutLabel)] = "disabled";
  const kube::Node opted_out(opted);
  const QuarantineDecision cancelled =
      DecideQuarantine(kube::HealthEvent(EventJson()), &opted_out, false);
  EXPECT_EQ(cancelled.action, QuarantineAction::kCancel);
  EXPECT_EQ(cancelled.reason, kReasonOptOut);
}

TEST(DecideQuarantineTest, AHeldNonFatalEventResolvesWhenItTurnsHealthy) {
  const kube::Node node(NodeJson("n1"));
  json held = EventJson(/*fatal=*/false, /*healthy=*/true);
  held["status"] = {{"phase", "New"},
                    {"conditions",
                     {{{"type", std::string(kQuarantinedCondition)},
                       {"status", "False"},
                       {"reason", std::string(kReasonNotFatal)}}}}};
  const QuarantineDecision decision = DecideQuarantine(kube::HealthEvent(held), &node, false);
  EXPECT_EQ(decision.action, QuarantineAction::kResolve);
  EXPECT_EQ(decision.reason, kReasonFaultCleared);
  // Still faulty: still held. Healthy from the start: a signal, not a fault.
  held["spec"]["isHealthy"] = false;
  EXPECT_EQ(DecideQuarantine(kube::HealthEvent(held), &node, false).action,
            QuarantineAction::kHold);
  EXPECT_EQ(DecideQuarantine(kube::HealthEvent(EventJson(false, true)), &node, false).reason,
            kReasonHealthySignal);
}

TEST(TaintForTest, PerCheckRuleOrTheDefaultValuedWithTheCheck) {
  QuarantineOptions options;
  options.taints_by_check["GpuThermalWatch"] = {"nvidia.com/gpu-hot", "PreferNoSchedule"};
  const kube::Taint taint = TaintFor(options, kube::HealthEvent(EventJson()));
  EXPECT_EQ(taint.key, "nvidia.com/gpu-error");
  EXPECT_EQ(taint.value, "GpuPcieWatch");
  EXPECT_EQ(taint.effect, "NoSchedule");
  json thermal = EventJson();
  thermal["spec"]["checkName"] = "GpuThermalWatch";
  const kube::Taint hot = TaintFor(options, kube::HealthEvent(thermal));
  EXPECT_EQ(hot.key, "nvidia.com/gpu-hot");
  EXPECT_EQ(hot.effect, "PreferNoSchedule");
}

TEST(QuarantinePatchTest, RecordsWhoCordonedAndIsIdempotent) {
  const kube::Taint taint{"nvidia.com/gpu-error", "GpuPcieWatch", "NoSchedule", std::nullopt};
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  const kube::Node fresh(NodeJson("n1"));
  std::optional<kube::ObjectPatch> patch = QuarantinePatch(fresh, "e1", taint, "why", now);
  ASSERT_TRUE(patch.has_value());
  EXPECT_EQ(patch->body["spec"]["unschedulable"], true);
  EXPECT_EQ(patch->body["metadata"]["resourceVersion"], "3");
  EXPECT_EQ(patch->body["metadata"]["annotations"][std::string(kCordonedByAnnotation)],
            "nvsentinel");
  EXPECT_EQ(patch->body["spec"]["taints"].size(), 1u);

  // Apply it by hand: the same call again has nothing to do.
  json applied = NodeJson("n1");
  applied["metadata"]["annotations"] = patch->body["metadata"]["annotations"];
  applied["spec"] = patch->body["spec"];
  EXPECT_FALSE(QuarantinePatch(kube::Node(applied), "e1", taint, "why", now).has_value());
  // A second event joins the record; the cordon stays ours.
  std::optional<kube::ObjectPatch> second =
      QuarantinePatch(kube::Node(applied), "e2", taint, "why", now);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body["metadata"]["annotations"][std::string(kQuarantinedByAnnotation)],
            "e1,e2");
  EXPECT_EQ(second->body["metadata"]["annotations"][std::string(kCordonedByAnnotation)],
            "nvsentinel");

  json cordoned = NodeJson("n1");
  cordoned["spec"]["unschedulable"] = true;
  std::optional<kube::ObjectPatch> theirs =
      QuarantinePatch(kube::Node(cordoned), "e1", taint, "why", now);
  ASSERT_TRUE(theirs.has_value());
  EXPECT_EQ(theirs->body["metadata"]["annotations"][std::string(kCordonedByAnnotation)],
            "external");
}

TEST(CircuitBreakerTest, CountsQuarantinesInTheWindowAndAdmissionsNotYetVisible) {
  test::FakeClock clock;
  CircuitBreakerOptions options;
  options.max_share = 0.5;
  options.window = absl::Minutes(5);
  CircuitBreaker breaker(options, &clock);
  std::vector<kube::ObjectPtr> nodes;
  for (int i = 0; i < 6; ++i) nodes.push_back(Ptr(NodeJson("n" + std::to_string(i))));
  nodes.push_back(Ptr(NodeJson("cpu", false)));  // not a GPU node: not counted
  json old = NodeJson("n5");
  old["metadata"]["annotations"] = {
      {std::string(kQuarantinedByAnnotation), "e0"},
      {std::string(kQuarantinedAtAnnotation), core::FormatTimestampMillis(clock.Now())}};
  nodes[5] = Ptr(old);

  // 6 GPU nodes at 50 %: 3 in the window, n5 already one of them.
  EXPECT_TRUE(breaker.TryAdmit("n0", nodes).allowed);
  const BreakerVerdict second = breaker.TryAdmit("n1", nodes);
  EXPECT_TRUE(second.allowed);
  const BreakerVerdict held = breaker.TryAdmit("n2", nodes);
  EXPECT_FALSE(held.allowed);
  EXPECT_EQ(held.quarantined, 3);
  EXPECT_EQ(held.limit, 3);
  EXPECT_EQ(held.gpu_nodes, 6);
  EXPECT_EQ(held.next_expiry, clock.Now() + absl::Minutes(5));

  clock.Advance(absl::Minutes(5) + absl::Seconds(1));
  EXPECT_TRUE(breaker.TryAdmit("n2", nodes).allowed) << "the window slid past all of them";
}

TEST(CircuitBreakerTest, TheIndexedNodeCacheGivesWhatDecodingEachNodeGives) {
  const absl::Time since = absl::FromUnixMillis(1'764'000'000'123);
  json dated = NodeJson("dated");
  dated["metadata"]["annotations"] = {
      {std::string(kQuarantinedByAnnotation), "e0"},
      {std::string(kQuarantinedAtAnnotation), core::FormatTimestampMillis(since)}};
  json undated = NodeJson("undated");
  undated["metadata"]["annotations"] = {{std::string(kQuarantinedByAnnotation), "e1"}};
  json garbled = NodeJson("garbled");
  garbled["metadata"]["annotations"] = {{std::string(kQuarantinedByAnnotation), "e2"},
                                        {std::string(kQuarantinedAtAnnotation), "yesterday"}};
  json cpu = NodeJson("cpu", false);
  cpu["metadata"]["annotations"] = dated["metadata"]["annotations"];
  const std::vector<kube::ObjectPtr> nodes = {Ptr(dated), Ptr(undated), Ptr(garbled),
                                              Ptr(NodeJson("healthy")), Ptr(cpu)};
  kube::IndexedCache cache(BreakerIndexers());
  for (const kube::ObjectPtr& node : nodes) {
    cache.Put(std::make_shared<const kube::CompactObject>(*node));
  }

  const BreakerInputs decoded = BreakerInputs::FromNodes(nodes);
  const BreakerInputs indexed = BreakerInputs::FromIndexedNodes(cache);
  EXPECT_EQ(indexed.gpu_nodes, 4);
  EXPECT_EQ(indexed.gpu_nodes, decoded.gpu_nodes);
  EXPECT_EQ(indexed.quarantined, decoded.quarantined);
  ASSERT_TRUE(indexed.quarantined.contains("dated"));
  EXPECT_EQ(indexed.quarantined.at("dated"), since);
  EXPECT_EQ(indexed.quarantined.at("undated"), std::nullopt);
  EXPECT_EQ(indexed.quarantined.at("garbled"), std::nullopt);
}

// The breaker reads the controller's Node cache in place (IndexedNodesView);
// each verdict must be the one a decode of every node gives.
TEST(CircuitBreakerTest, TheCacheViewDecidesAsDecodingEachNode) {
  test::FakeClock clock;
  CircuitBreakerOptions options;
  options.max_share = 0.5;
  options.window = absl::Minutes(5);
  CircuitBreaker decoding(options, &clock);
  CircuitBreaker viewing(options, &clock);
  kube::IndexedCache cache(BreakerIndexers());
  std::vector<kube::ObjectPtr> nodes;
  auto put = [&](json node) {
    const std::string name = node["metadata"]["name"];
    std::erase_if(nodes,
                  [&](const kube::ObjectPtr& n) { return (*n)["metadata"]["name"] == name; });
    nodes.push_back(Ptr(node));
    cache.Put(std::make_shared<const kube::CompactObject>(node));
  };
  auto quarantined = [&](const std::string& name, std::optional<absl::Time> since) {
    json node = NodeJson(name);
    node["metadata"]["annotations"] = {{std::string(kQuarantinedByAnnotation), "e-" + name}};
    if (since) {
      node["metadata"]["annotations"][std::string(kQuarantinedAtAnnotation)] =
          core::FormatTimestampMillis(*since);
    }
    return node;
  };
  for (int i = 0; i < 10; ++i) put(NodeJson("n" + std::to_string(i)));
  put(NodeJson("cpu", false));
  put(quarantined("n9", clock.Now() - absl::Minutes(6)));  // before the window
  put(quarantined("n8", std::nullopt));                    // no readable start
  clock.Advance(absl::Seconds(1));
  put(quarantined("n7", clock.Now()));

  auto same = [&](const std::string& node, bool admit) {
    const BreakerVerdict decoded =
        admit ? decoding.TryAdmit(node, nodes) : decoding.Evaluate(nodes);
    const BreakerVerdict viewed = admit ? viewing.TryAdmit(node, IndexedNodesView(&cache))
                                        : viewing.Evaluate(IndexedNodesView(&cache));
    EXPECT_EQ(viewed.allowed, decoded.allowed) << node;
    EXPECT_EQ(viewed.quarantined, decoded.quarantined) << node;
    EXPECT_EQ(viewed.limit, decoded.limit) << node;
    EXPECT_EQ(viewed.gpu_nodes, decoded.gpu_nodes) << node;
    EXPECT_EQ(viewed.next_expiry, decoded.next_expiry) << node;
    EXPECT_EQ(viewed.message, decoded.message) << node;
    return viewed;
  };
  // 10 GPU nodes at 50 %: n7 counts; n0..n3 are admitted, n4 is held.
  for (const char* node : {"n0", "n1", "n2", "n3"}) EXPECT_TRUE(same(node, true).allowed);
  const BreakerVerdict held = same("n4", true);
  EXPECT_FALSE(held.allowed);
  EXPECT_EQ(held.quarantined, 5);
  // n0's record reaches the cache: it counts once, from its own start.
  clock.Advance(absl::Seconds(1));
  put(quarantined("n0", clock.Now()));
  EXPECT_EQ(same("", false).quarantined, 5);
  // Recovery lifts n7's record: it stops counting, and n4 gets in.
  put(NodeJson("n7"));
  EXPECT_TRUE(same("n4", true).allowed);
  // n1..n3 age out of the window; n0's record and n4's admission a second later.
  clock.Advance(absl::Minutes(5));
  EXPECT_EQ(same("", false).quarantined, 2);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(same("", false).quarantined, 0);
}

TEST(CircuitBreakerTest, AbsoluteCapAndAtLeastOneNode) {
  test::FakeClock clock;
  std::vector<kube::ObjectPtr> one = {Ptr(NodeJson("only"))};
  CircuitBreaker small({.max_share = 0.5}, &clock);
  EXPECT_TRUE(small.TryAdmit("only", one).allowed) << "a one-node cluster may quarantine its node";
  std::vector<kube::ObjectPtr> many;
  for (int i = 0; i < 10; ++i) many.push_back(Ptr(NodeJson("n" + std::to_string(i))));
  CircuitBreaker capped({.max_share = 0.5, .max_nodes = 1}, &clock);
  EXPECT_TRUE(capped.TryAdmit("n0", many).allowed);
  EXPECT_FALSE(capped.TryAdmit("n1", many).allowed);
  capped.Release("n0");
  EXPECT_TRUE(capped.TryAdmit("n1", many).allowed);
}

TEST(DrainPlanTest, SkipsWhatADrainMustLeaveAndEvictsTheRest) {
  const kube::HealthEvent event(EventJson());
  json daemon = PodJson("ds", 1, {{"ownerReferences", {{{"kind", "DaemonSet"}, {"name", "d"}}}}});
  json mirror = PodJson("static", 1, {{"annotations", {{"kubernetes.io/config.mirror", "x"}}}});
  json done = PodJson("done", 1);
  done["status"]["phase"] = "Succeeded";
  json system = PodJson("sys", 1, {{"namespace", "kube-system"}});
  json other_gpu =
      PodJson("gpu5", 1, {{"annotations", {{std::string(kPodGpuDevicesAnnotation), "5"}}}});
  json this_gpu =
      PodJson("gpuabc", 1, {{"annotations", {{std::string(kPodGpuDevicesAnnotation), "gpu-abc"}}}});
  json terminating = PodJson("going", 1, {{"deletionTimestamp", "2026-01-01T00:00:00Z"}});
  std::vector<kube::ObjectPtr> pods = {Ptr(daemon),
                                       Ptr(mirror),
                                       Ptr(done),
                                       Ptr(system),
                                       Ptr(PodJson("cpu", 0)),
                                       Ptr(other_gpu),
                                       Ptr(this_gpu),
                                       Ptr(terminating),
                                       Ptr(PodJson("any", 1)),
                                       Ptr(PodJson("evicted", 1))};
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  EvictedBefore before;
  before.keys.insert("w/evicted");
  DrainOptions options;
  const DrainPlan plan = PlanDrain(event, pods, options, start, start, before);
  EXPECT_EQ(plan.skipped, 6);
  std::vector<std::string> evict, await;
  for (const PodStep& step : plan.pending) {
    (step.action == PodAction::kEvict ? evict : await).push_back(step.pod.name);
  }
  EXPECT_THAT(evict, ElementsAre("gpuabc", "any"));
  EXPECT_THAT(await, ElementsAre("going", "evicted"));
  EXPECT_THAT(plan.stuck, IsEmpty());

  const DrainPlan late = PlanDrain(event, pods, options, start, start + options.timeout, before);
  EXPECT_EQ(late.stuck.size(), 4u);

  // The pod cache's view (what the controller holds) plans the same drain.
  const kube::Transform view = PodDrainView(options);
  std::vector<kube::ObjectPtr> viewed;
  for (const kube::ObjectPtr& pod : pods) {
    json bulky = *pod;
    bulky["spec"]["volumes"] = {{{"name", "data"}, {"emptyDir", json::object()}}};
    bulky["status"]["containerStatuses"] = {{{"name", "c"}, {"ready", true}}};
    bulky["metadata"]["managedFields"] = {{{"manager", "kubelet"}}};
    viewed.push_back(Ptr(view(std::move(bulky))));
  }
  EXPECT_FALSE(viewed[0]->at("spec").contains("volumes"));
  EXPECT_FALSE(viewed[0]->at("status").contains("containerStatuses"));
  EXPECT_FALSE(viewed[0]->at("metadata").contains("managedFields"));
  const DrainPlan same = PlanDrain(event, viewed, options, start, start, before);
  EXPECT_EQ(same.skipped, plan.skipped);
  ASSERT_EQ(same.pending.size(), plan.pending.size());
  for (size_t i = 0; i < plan.pending.size(); ++i) {
    EXPECT_EQ(same.pending[i].pod.name, plan.pending[i].pod.name);
    EXPECT_EQ(same.pending[i].action, plan.pending[i].action);
  }
}

TEST(DrainPlanTest, ThePodViewKeepsOnlyTheLabelsTheRulesName) {
  DrainOptions options;
  options.rules = {{.labels = {{"app", "batch"}, {"team/x", "a"}}}};
  json pod = PodJson("p", 1,
                     {{"labels", {{"app", "batch"}, {"team/x", "a"}, {"other", "no"}}},
                      {"annotations", {{"note", "dropped"}}}});
  const json kept = PodDrainView(options)(pod);
  EXPECT_EQ(kept["metadata"]["labels"], (json{{"app", "batch"}, {"team/x", "a"}}));
  EXPECT_FALSE(kept["metadata"].contains("annotations"));
  EXPECT_EQ(kept["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"], "1");
  EXPECT_FALSE(PodDrainView(DrainOptions{})(pod)["metadata"].contains("labels"));
}

TEST(DrainPlanTest, PoliciesByNamespaceAndLabel) {
  const kube::HealthEvent event(EventJson());
  DrainOptions options;
  options.rules = {{.labels = {{"app", "batch"}}, .mode = DrainMode::kAllowCompletion},
                   {.namespace_name = "w",
                    .mode = DrainMode::kDeleteAfterTimeout,
                    .delete_after = absl::Minutes(10)}};
  std::vector<kube::ObjectPtr> pods = {Ptr(PodJson("batch", 1, {{"labels", {{"app", "batch"}}}})),
                                       Ptr(PodJson("svc", 1))};
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  const DrainPlan early = PlanDrain(event, pods, options, start, start + absl::Minutes(1), {});
  ASSERT_EQ(early.pending.size(), 2u);
  EXPECT_EQ(early.pending[0].action, PodAction::kAwaitCompletion);
  EXPECT_EQ(early.pending[1].action, PodAction::kAwaitCompletion);
  EXPECT_EQ(early.next_change, start + absl::Minutes(10));
  const DrainPlan due = PlanDrain(event, pods, options, start, start + absl::Minutes(10), {});
  EXPECT_EQ(due.pending[1].action, PodAction::kDelete);
  // AllowCompletion waits without limit.
  const DrainPlan much_later = PlanDrain(event, pods, options, start, start + absl::Hours(24), {});
  ASSERT_EQ(much_later.stuck.size(), 1u);
  EXPECT_EQ(much_later.stuck[0].pod.name, "svc");

  // drainOverrides.force: both go at once, as Immediate pods with its deadline.
  json forced = EventJson();
  forced["spec"]["drainOverrides"] = {{"force", true}};
  const DrainPlan now =
      PlanDrain(kube::HealthEvent(forced), pods, options, start, start + absl::Minutes(1), {});
  ASSERT_EQ(now.pending.size(), 2u);
  for (const PodStep& step : now.pending) {
    EXPECT_EQ(step.action, PodAction::kEvict) << step.pod.name;
    EXPECT_EQ(step.mode, DrainMode::kImmediate) << step.pod.name;
    EXPECT_EQ(step.deadline, start + options.timeout) << step.pod.name;
  }
  EXPECT_EQ(now.next_change, start + options.timeout);  // the deadline, not a delete falling due
}

}  // namespace
}  // namespace nvsx::controller
