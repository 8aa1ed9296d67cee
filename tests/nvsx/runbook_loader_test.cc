#include "nvsx/runbook_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/file_io.h"
#include "test_support/temp_dir.h"

namespace nvsx::op {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A runbook in the original nvsx's format: prerequisites, hooks, an action,
// dwell and narration with the fixed variables.
constexpr char kSeedRunbook[] = R"(apiVersion: nvsx/v1
kind: Runbook
metadata:
  name: gpu-off-bus
  nickname: rogue-moose
  title: "GPU fell off bus -> self-heal"
  summary: "XID 79 -> quarantine -> RebootNode -> recovered."
  tags: [infra, nvsentinel, xid, remediation]
  estimatedDuration: 90s

prerequisites:
  - name: control-plane
    check: "kubectl get pods -n nvsentinel -o jsonpath='{.items[*].status.phase}'"
    expect: "Running"
  - name: monitor
    check: "kubectl get daemonset -n nvsentinel gpu-health-monitor -o jsonpath='{.status.numberReady}'"
    expect: ">=1"

stages:
  - id: preflight
    title: "Pre-flight checks"
    hook: hooks/gpu-off-bus/preflight.sh
    timeout: 20s
  - id: detect
    title: "Fault detected"
    watch:
      - kind: node-condition
        type: GpuPcieWatch
        status: "True"
  - id: quarantine
    title: "Node cordoned"
    watch:
      - kind: node
        field: spec.unschedulable
        expect: "true"
      - kind: taint
        key: "nvidia.com/gpu-error"
  - id: drain
    title: "Workloads evicted"
    watch:
      - kind: pod-event
        reason: "Evicted"
    timeout: 120s
  - id: remediate
    title: "RebootNode created"
    watch:
      - kind: crd
        group: janitor.dgxc.nvidia.com
        resource: rebootnodes
    hook: hooks/gpu-off-bus/on-remediate.sh
    dwell: 5s
  - id: recover
    title: "Node back"
    watch:
      - kind: healthevent
        phase: Resolved
    timeout: 10m
  - id: postmortem
    title: "Collect artifacts"
    action:
      script: scripts/collect-metrics.sh
      args: ["./nvsx-artifacts"]

narration:
  detect: "Seen in {{elapsed}} on {{ alias }}."
  postmortem: "Wrote {{artifactCount}} files to {{artifactDir}}."
)";

class RunbookLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    paths_.project_root = dir_.path();
    paths_.runbooks_dir = dir_.path() / "runbooks";
    for (const char* file :
         {"runbooks/hooks/gpu-off-bus/preflight.sh", "runbooks/hooks/gpu-off-bus/on-remediate.sh",
          "scripts/collect-metrics.sh"}) {
      std::filesystem::create_directories((dir_.path() / file).parent_path());
      ASSERT_TRUE(core::WriteFileAtomically(dir_.path() / file, "#!/bin/sh\n").ok());
    }
  }

  absl::StatusOr<Runbook> Parse(const std::string& text) {
    return ParseRunbook(text, paths_.runbooks_dir / "gpu-off-bus.yaml", paths_);
  }

  // The error message of parsing `text`, which must fail.
  std::string ErrorOf(const std::string& text) {
    auto runbook = Parse(text);
    EXPECT_FALSE(runbook.ok());
    return runbook.ok() ? "" : std::string(runbook.status().message());
  }

  // The seed runbook with `from` replaced by `to`.
  static std::string Edit(const std::string& from, const std::string& to) {
    std::string text = kSeedRunbook;
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? text : text.replace(at, from.size(), to);
  }

  test::TempDir dir_;
  RunbookPaths paths_;
};

TEST_F(RunbookLoaderTest, LoadsARunbookInTheOriginalFormatUnchanged) {
  const auto file = paths_.runbooks_dir / "gpu-off-bus.yaml";
  ASSERT_TRUE(core::WriteFileAtomically(file, kSeedRunbook).ok());
  auto runbook = LoadRunbook(file, paths_);
  ASSERT_TRUE(runbook.ok()) << runbook.status();
  EXPECT_EQ(runbook->slug, "gpu-off-bus");
  EXPECT_EQ(runbook->metadata.nickname, "rogue-moose");
  EXPECT_EQ(runbook->metadata.estimated_duration, absl::Seconds(90));
  EXPECT_THAT(runbook->metadata.tags,
              ::testing::ElementsAre("infra", "nvsentinel", "xid", "remediation"));
  ASSERT_EQ(runbook->prerequisites.size(), 2u);
  EXPECT_EQ(runbook->prerequisites[1].expect, ">=1");
  ASSERT_EQ(runbook->stages.size(), 7u);
  const Stage& preflight = runbook->stages[0];
  EXPECT_EQ(preflight.timeout, absl::Seconds(20));
  EXPECT_EQ(*preflight.hook, paths_.runbooks_dir / "hooks/gpu-off-bus/preflight.sh");
  const Stage* quarantine = runbook->FindStage("quarantine");
  ASSERT_NE(quarantine, nullptr);
  ASSERT_EQ(quarantine->watch.size(), 2u);
  EXPECT_EQ(quarantine->watch[0].kind, WatchKind::kNode);
  EXPECT_EQ(quarantine->watch[0].Field("field"), "spec.unschedulable");
  EXPECT_EQ(quarantine->watch[1].Field("key"), "nvidia.com/gpu-error");
  EXPECT_EQ(quarantine->timeout, absl::Seconds(60));  // the default
  EXPECT_EQ(runbook->FindStage("remediate")->dwell, absl::Seconds(5));
  EXPECT_EQ(runbook->FindStage("recover")->timeout, absl::Minutes(10));
  const Stage* postmortem = runbook->FindStage("postmortem");
  ASSERT_TRUE(postmortem->action.has_value());
  // Found under the project root, as the original resolves scripts/.
  EXPECT_EQ(postmortem->action->script, dir_.path() / "scripts/collect-metrics.sh");
  EXPECT_THAT(postmortem->action->args, ::testing::ElementsAre("./nvsx-artifacts"));
  EXPECT_EQ(runbook->narration.at("detect"), "Seen in {{elapsed}} on {{ alias }}.");
}

TEST_F(RunbookLoaderTest, UnknownKeyNamesTheFieldAndTheAllowedKeys) {
  std::string error = ErrorOf(Edit("    timeout: 20s\n", "    timout: 20s\n"));
  EXPECT_THAT(error, StartsWith((paths_.runbooks_dir / "gpu-off-bus.yaml").string() + ":23:5: "));
  EXPECT_THAT(error, HasSubstr("stages[0].timout: unknown key \"timout\""));
  EXPECT_THAT(error, HasSubstr("allowed here: id, title, action, watch, hook"));
}

TEST_F(RunbookLoaderTest, UnknownWatchKindListsTheKinds) {
  std::string error = ErrorOf(Edit("kind: pod-event", "kind: pod-evnt"));
  EXPECT_THAT(error, HasSubstr("stages[3].watch[0].kind: unknown watch kind \"pod-evnt\""));
  EXPECT_THAT(error, HasSubstr("allowed: pod, node, node-condition, crd, pod-event"));
}

TEST_F(RunbookLoaderTest, BadDurationPointsAtItsLine) {
  std::string error = ErrorOf(Edit("timeout: 120s", "timeout: 10x"));
  EXPECT_THAT(error, HasSubstr(":43:14: stages[3].timeout: invalid duration \"10x\""));
}

TEST_F(RunbookLoaderTest, MissingRequiredFieldForAKind) {
  std::string error = ErrorOf(Edit("        resource: rebootnodes\n", ""));
  EXPECT_THAT(error,
              HasSubstr("stages[4].watch[0].resource: missing required field for a crd watch"));
  error = ErrorOf(Edit("        reason: \"Evicted\"\n", "        reasons: \"Evicted\"\n"));
  EXPECT_THAT(error, HasSubstr("\"reasons\" is not a field of a pod-event watch; its fields: "
                               "reason, namespace"));
}

TEST_F(RunbookLoaderTest, HookPathOutsideTheRunbookFolderIsRefused) {
  std::string error =
      ErrorOf(Edit("hook: hooks/gpu-off-bus/preflight.sh", "hook: ../../etc/passwd"));
  EXPECT_THAT(error, HasSubstr("stages[0].hook: \"../../etc/passwd\" leaves the runbook folder"));
  error = ErrorOf(Edit("hook: hooks/gpu-off-bus/preflight.sh", "hook: /bin/sh"));
  EXPECT_THAT(error, HasSubstr("\"/bin/sh\" leaves the runbook folder"));
  error = ErrorOf(Edit("hook: hooks/gpu-off-bus/preflight.sh", "hook: hooks/missing.sh"));
  EXPECT_THAT(error, HasSubstr("stages[0].hook: \"hooks/missing.sh\" not found"));
}

TEST_F(RunbookLoaderTest, DuplicateAndNonCanonicalStageIds) {
  std::string error = ErrorOf(Edit("  - id: drain\n", "  - id: quarantine\n"));
  EXPECT_THAT(error, HasSubstr("stages[3].id: duplicate stage id \"quarantine\""));
  error = ErrorOf(Edit("  - id: drain\n", "  - id: evict\n"));
  EXPECT_THAT(error, HasSubstr("stages[3].id: \"evict\" is not a canonical stage id; use one of: "
                               "baseline, preflight, inject, detect"));
}

TEST_F(RunbookLoaderTest, NarrationMayUseOnlyTheFixedVariables) {
  std::string error = ErrorOf(Edit("{{artifactDir}}", "{{secretToken}}"));
  EXPECT_THAT(error, HasSubstr("narration.postmortem: unknown variable {{secretToken}}"));
  error = ErrorOf(Edit("  detect: \"Seen", "  inject: \"Seen"));
  EXPECT_THAT(error,
              HasSubstr("narration.inject: narration for a stage this runbook does not have"));
}

TEST_F(RunbookLoaderTest, ReportsEveryProblemAtOnce) {
  std::string text = Edit("timeout: 120s", "timeout: 10x");
  text.replace(text.find("kind: taint"), 11, "kind: taints");
  std::string error = ErrorOf(text);
  EXPECT_THAT(error, HasSubstr("invalid duration"));
  EXPECT_THAT(error, HasSubstr("unknown watch kind \"taints\""));
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1);
}

TEST_F(RunbookLoaderTest, WrongShapesAndVersions) {
  EXPECT_THAT(ErrorOf("- just\n- a list\n"), HasSubstr("a runbook is a YAML mapping"));
  EXPECT_THAT(ErrorOf(Edit("apiVersion: nvsx/v1", "apiVersion: nvsx/v2")),
              HasSubstr("apiVersion: unsupported \"nvsx/v2\"; use nvsx/v1"));
  EXPECT_THAT(ErrorOf(Edit("tags: [infra, nvsentinel, xid, remediation]", "tags: infra")),
              HasSubstr("metadata.tags: must be a list of strings"));
  EXPECT_THAT(ErrorOf(Edit("  name: gpu-off-bus\n", "")),
              HasSubstr("metadata.name: missing required field"));
  EXPECT_THAT(ErrorOf("apiVersion: nvsx/v1\nkind: Runbook\nmetadata: {name: x, title: y}\n"),
              HasSubstr("stages: a runbook needs a non-empty list of stages"));
  EXPECT_THAT(ErrorOf("stages: [\n"), HasSubstr("gpu-off-bus.yaml:2:1:"));
}

}  // namespace
}  // namespace nvsx::op
