// The patch builders applied to the embedded API server through RestClient,
// then read back through the views.
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "kube/api_error.h"
#include "kube/types/health_event_patches.h"
#include "kube/types/janitor_patches.h"
#include "kube/types/node_patches.h"
#include "sim/api_server.h"
#include "sim/sim_cluster.h"

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

const ResourceRef kNodes{"", "v1", "nodes", "", "", ""};

class TypesPatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    RestConfig config;
    config.server = server_.url();
    RestClientOptions options;
    options.clock = &clock_;
    options.qps = 0;
    client_ = *RestClient::New(config, options);
    sim::SimClusterOptions cluster;
    cluster.nodes = 2;
    ASSERT_TRUE(sim::SeedSimCluster(*client_, cluster, clock_.Now()).ok());
  }
  void TearDown() override { server_.Stop(); }

  Node GetNode(const std::string& name) {
    auto node = client_->Get(kNodes.WithName(name));
    EXPECT_TRUE(node.ok()) << node.status();
    return Node(node.ok() ? *std::move(node) : json());
  }

  absl::StatusOr<json> Apply(const ResourceRef& ref, const ObjectPatch& patch) {
    return client_->Patch(ref, patch.type, patch.body);
  }

  core::SystemClock clock_;
  sim::ApiServer server_{&clock_, sim::ApiServerOptions{}};
  std::unique_ptr<RestClient> client_;
};

TEST_F(TypesPatchTest, CordonAndUncordon) {
  const ResourceRef node = kNodes.WithName("gpu-node-0");
  ASSERT_TRUE(Apply(node, CordonPatch()).ok());
  EXPECT_TRUE(GetNode("gpu-node-0").unschedulable());
  EXPECT_FALSE(GetNode("gpu-node-1").unschedulable());
  ASSERT_TRUE(Apply(node, UncordonPatch()).ok());
  const Node after = GetNode("gpu-node-0");
  EXPECT_FALSE(after.unschedulable());
  EXPECT_FALSE(after.object()["spec"].contains("unschedulable"));
  EXPECT_TRUE(after.GpuPresent());  // the rest of the node is untouched
}

TEST_F(TypesPatchTest, TaintsAddAndRemoveKeepOthersTaints) {
  const ResourceRef ref = kNodes.WithName("gpu-node-0");
  const Taint theirs{"example.com/maintenance", "true", "NoSchedule", std::nullopt};
  const Taint ours{"nvidia.com/gpu-fault", "xid-79", "NoSchedule", std::nullopt};
  ASSERT_TRUE(Apply(ref, *AddTaintPatch(GetNode("gpu-node-0"), theirs)).ok());
  ASSERT_TRUE(Apply(ref, *AddTaintPatch(GetNode("gpu-node-0"), ours)).ok());
  EXPECT_EQ(GetNode("gpu-node-0").taints(), (std::vector<Taint>{theirs, ours}));
  // Already there: nothing to write.
  EXPECT_FALSE(AddTaintPatch(GetNode("gpu-node-0"), ours).has_value());
  // A new value for the same key and effect replaces, not duplicates.
  Taint changed = ours;
  changed.value = "xid-48";
  ASSERT_TRUE(Apply(ref, *AddTaintPatch(GetNode("gpu-node-0"), changed)).ok());
  EXPECT_EQ(GetNode("gpu-node-0").taints(), (std::vector<Taint>{theirs, changed}));

  ASSERT_TRUE(Apply(ref, *RemoveTaintPatch(GetNode("gpu-node-0"), ours.key)).ok());
  EXPECT_EQ(GetNode("gpu-node-0").taints(), (std::vector<Taint>{theirs}));
  EXPECT_FALSE(RemoveTaintPatch(GetNode("gpu-node-0"), ours.key).has_value());
}

TEST_F(TypesPatchTest, ATaintPatchFromAStaleReadConflictsInsteadOfLosingATaint) {
  const ResourceRef ref = kNodes.WithName("gpu-node-0");
  const Node stale = GetNode("gpu-node-0");
  const Taint theirs{"example.com/maintenance", "", "NoSchedule", std::nullopt};
  ASSERT_TRUE(Apply(ref, *AddTaintPatch(GetNode("gpu-node-0"), theirs)).ok());
  auto lost = Apply(ref, *AddTaintPatch(stale, {"nvidia.com/gpu-fault", "", "NoSchedule", {}}));
  EXPECT_TRUE(apierrors::IsConflict(lost.status())) << lost.status();
  EXPECT_EQ(GetNode("gpu-node-0").taints(), (std::vector<Taint>{theirs}));
}

TEST_F(TypesPatchTest, NodeConditionAndAnnotations) {
  const ResourceRef ref = kNodes.WithName("gpu-node-1");
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  Condition fault{"GpuXidWatch", ConditionStatus::kTrue, "Xid79", "GPU fell off the bus"};
  ASSERT_TRUE(
      Apply(ref.WithSubresource("status"), SetNodeConditionPatch(GetNode("gpu-node-1"), fault, now))
          .ok());
  Node node = GetNode("gpu-node-1");
  EXPECT_TRUE(node.Ready());  // merged by type: Ready stays
  std::optional<Condition> written = node.FindCondition("GpuXidWatch");
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(written->reason, "Xid79");
  EXPECT_EQ(written->last_transition_time, now);
  EXPECT_EQ(written->last_heartbeat_time, now);
  // Same status later: the transition time stays, the heartbeat moves.
  ASSERT_TRUE(Apply(ref.WithSubresource("status"),
                    SetNodeConditionPatch(node, fault, now + absl::Minutes(1)))
                  .ok());
  written = GetNode("gpu-node-1").FindCondition("GpuXidWatch");
  EXPECT_EQ(written->last_transition_time, now);
  EXPECT_EQ(written->last_heartbeat_time, now + absl::Minutes(1));

  ASSERT_TRUE(
      Apply(ref, AnnotationsPatch({{"nvsentinel.nvidia.com/quarantined-by", "hev-1"}})).ok());
  ASSERT_TRUE(Apply(ref, AnnotationsPatch({{"other", "x"}})).ok());
  EXPECT_EQ(GetNode("gpu-node-1").metadata().annotations().size(), 2u);
  ASSERT_TRUE(
      Apply(ref, AnnotationsPatch({{"nvsentinel.nvidia.com/quarantined-by", std::nullopt}})).ok());
  EXPECT_EQ(GetNode("gpu-node-1").metadata().annotations(),
            (std::map<std::string, std::string>{{"other", "x"}}));
}

TEST_F(TypesPatchTest, HealthEventSpecAndPhasePatches) {
  HealthEventSpec spec;
  spec.agent = "health-provider";
  spec.component_class = "GPU";
  spec.check_name = "GpuXidWatch";
  spec.is_fatal = true;
  spec.recommended_action = RecommendedAction::kRestartBm;
  spec.error_codes = {"79"};
  spec.entities_impacted = {{"GPU_UUID", "GPU-1234"}};
  spec.node_name = "gpu-node-0";
  spec.generated_timestamp = absl::FromUnixMillis(1'800'000'000'123);
  const ResourceRef events = HealthEventsResource();
  auto created = client_->Create(events, NewHealthEvent("hev-1", spec));
  ASSERT_TRUE(created.ok()) << created.status();  // the CRD's schema accepts it
  const ResourceRef ref = events.WithName("hev-1");
  auto read = [&] { return HealthEvent(*client_->Get(ref)); };
  EXPECT_EQ(read().spec(), spec);
  EXPECT_TRUE(read().Validate().ok()) << read().Validate();

  const absl::Time t0 = absl::FromUnixMillis(1'800'000'001'250);
  ASSERT_TRUE(Apply(ref.WithSubresource("status"),
                    HealthEventPhasePatch(read(), HealthEventPhase::kNew, t0))
                  .ok());
  ASSERT_TRUE(Apply(ref.WithSubresource("status"),
                    HealthEventPhasePatch(read(), HealthEventPhase::kQuarantined,
                                          t0 + absl::Milliseconds(40)))
                  .ok());
  HealthEvent event = read();
  EXPECT_EQ(event.phase(), HealthEventPhase::kQuarantined);
  EXPECT_EQ(event.object()["status"]["phaseTimes"]["Quarantined"], "2027-01-15T08:00:01.290Z");
  EXPECT_EQ(event.PhaseTime(HealthEventPhase::kNew), t0);
  EXPECT_EQ(event.observed_generation(), event.metadata().generation());
  // Re-entering a phase (a restarted controller) keeps when it was first entered.
  ASSERT_TRUE(
      Apply(ref.WithSubresource("status"),
            HealthEventPhasePatch(event, HealthEventPhase::kQuarantined, t0 + absl::Seconds(9)))
          .ok());
  EXPECT_EQ(read().PhaseTime(HealthEventPhase::kQuarantined), t0 + absl::Milliseconds(40));

  ASSERT_TRUE(Apply(ref.WithSubresource("status"),
                    HealthEventConditionPatch(
                        read(), {"Quarantined", ConditionStatus::kTrue, "Cordoned"}, t0))
                  .ok());
  ASSERT_TRUE(Apply(ref.WithSubresource("status"),
                    HealthEventEvictedPodsPatch(read(), {{"ml", "train-0"}, {"ml", "train-1"}}))
                  .ok());
  ASSERT_TRUE(Apply(ref.WithSubresource("status"),
                    HealthEventEvictedPodsPatch(read(), {{"ml", "train-1"}, {"ml", "train-2"}}))
                  .ok());
  ASSERT_TRUE(Apply(ref.WithSubresource("status"),
                    HealthEventRemediationPatch(read(), {"janitor.dgxc.nvidia.com/v1alpha1",
                                                         "RebootNode", "reboot-gpu-node-0"}))
                  .ok());
  ASSERT_TRUE(Apply(ref.WithSubresource("status"),
                    HealthEventPhasePatch(read(), HealthEventPhase::kFailed, t0, "DrainTimeout",
                                          "pod ml/train-2 did not leave"))
                  .ok());
  event = read();
  EXPECT_EQ(event.phase(), HealthEventPhase::kFailed);
  EXPECT_EQ(event.status_reason(), "DrainTimeout");
  EXPECT_EQ(event.phase_times().size(), 3u);
  EXPECT_EQ(event.conditions()[0].reason, "Cordoned");
  EXPECT_EQ(event.evicted_pods().size(), 3u);
  EXPECT_EQ(event.remediation()->name, "reboot-gpu-node-0");
  EXPECT_TRUE(event.Validate().ok()) << event.Validate();

  // A patch built from a stale read conflicts.
  const HealthEvent stale = read();
  ASSERT_TRUE(Apply(ref.WithSubresource("status"),
                    HealthEventPhasePatch(stale, HealthEventPhase::kCancelled, t0))
                  .ok());
  EXPECT_TRUE(
      apierrors::IsConflict(Apply(ref.WithSubresource("status"),
                                  HealthEventPhasePatch(stale, HealthEventPhase::kResolved, t0))
                                .status()));
}

TEST_F(TypesPatchTest, RebootNodeLifecycle) {
  const ResourceRef reboots = RebootNodesResource();
  ASSERT_TRUE(
      client_->Create(reboots, NewRebootNode("reboot-gpu-node-0", "gpu-node-0", false)).ok());
  const ResourceRef ref = reboots.WithName("reboot-gpu-node-0");
  auto read = [&] { return RebootNode(*client_->Get(ref)); };
  EXPECT_EQ(read().state(), JanitorState::kPending);
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  ASSERT_TRUE(
      Apply(ref.WithSubresource("status"),
            JanitorStartedPatch(
                read(), {std::string(kRebootSignalSent), ConditionStatus::kTrue, "RebootRequested"},
                now))
          .ok());
  EXPECT_EQ(read().state(), JanitorState::kInProgress);
  EXPECT_EQ(read().start_time(), now);
  ASSERT_TRUE(
      Apply(ref.WithSubresource("status"),
            JanitorFinishedPatch(
                read(), {std::string(kRebootNodeReady), ConditionStatus::kTrue, "NodeReady"},
                now + absl::Minutes(3)))
          .ok());
  const RebootNode done = read();
  EXPECT_EQ(done.state(), JanitorState::kSucceeded);
  EXPECT_EQ(done.completion_time(), now + absl::Minutes(3));
  EXPECT_EQ(done.conditions().size(), 2u);
  EXPECT_TRUE(done.Validate().ok()) << done.Validate();

  const ResourceRef resets = GpuResetsResource();
  ASSERT_TRUE(client_->Create(resets, NewGpuReset("reset-1", "gpu-node-1", {"GPU-1"})).ok());
  const GpuReset reset(*client_->Get(resets.WithName("reset-1")));
  ASSERT_TRUE(
      Apply(
          resets.WithName("reset-1").WithSubresource("status"),
          JanitorFinishedPatch(
              reset, {std::string(kGpuResetComplete), ConditionStatus::kFalse, "ResetFailed"}, now))
          .ok());
  const GpuReset failed(*client_->Get(resets.WithName("reset-1")));
  EXPECT_EQ(failed.state(), JanitorState::kFailed);
  EXPECT_EQ(failed.gpu_uuids(), std::vector<std::string>{"GPU-1"});
}

}  // namespace
}  // namespace nvsx::kube
