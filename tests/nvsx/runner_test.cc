// The runner against the embedded API server: stages pass on real watch
// events, fail at their timeout, and postmortem always runs.
#include "nvsx/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/str_cat.h"
#include "nvsx/node_alias.h"
#include "nvsx/runbook_loader.h"
#include "nvsx/target_node.h"
#include "sim/api_server.h"
#include "sim/sim_cluster.h"
#include "test_support/temp_dir.h"

namespace nvsx::op {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr auto kExecutable = std::filesystem::perms::owner_all;
const kube::ResourceRef kNodes{"", "v1", "nodes", "", "", ""};

// Keeps every event and lets the test wait for one.
class RecordingRenderer final : public RunRenderer {
 public:
  void OnEvent(const RunEvent& event) override {
    std::lock_guard lock(mu_);
    events_.push_back(event);
    cv_.notify_all();
  }

  bool WaitFor(RunEventType type, const std::string& stage) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] {
      for (const RunEvent& event : events_) {
        if (event.type == type && event.stage == stage) return true;
      }
      return false;
    });
  }

  // "stage_pass detect", in order.
  std::vector<std::string> Trace() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> trace;
    for (const RunEvent& event : events_) {
      if (event.type == RunEventType::kNarration || event.type == RunEventType::kHookStart)
        continue;
      trace.push_back(
          core::StrCat(RunEventName(event.type), event.stage.empty() ? "" : " ", event.stage));
    }
    return trace;
  }

  json Data(RunEventType type, const std::string& stage) const {
    std::lock_guard lock(mu_);
    for (const RunEvent& event : events_) {
      if (event.type == type && event.stage == stage) return event.data;
    }
    return nullptr;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<RunEvent> events_;
};

// Runs a runner on a thread; a test that ends early interrupts and joins it.
class BackgroundRun {
 public:
  explicit BackgroundRun(Runner& runner)
      : runner_(runner), thread_([this] { outcome_ = runner_.Run(); }) {}
  ~BackgroundRun() {
    runner_.Interrupt();
    if (thread_.joinable()) thread_.join();
  }
  RunOutcome Join() {
    thread_.join();
    return outcome_;
  }

 private:
  Runner& runner_;
  RunOutcome outcome_;
  std::thread thread_;
};

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    kube::RestConfig config;
    config.server = server_.url();
    kube::RestClientOptions options;
    options.clock = &clock_;
    options.qps = 0;
    client_ = *kube::RestClient::New(config, options);
    sim::SimClusterOptions cluster;
    cluster.nodes = 2;
    ASSERT_TRUE(sim::SeedSimCluster(*client_, cluster, clock_.Now()).ok());
    watch_ = std::make_unique<ClusterWatch>(client_.get(), &clock_, core::Logger::Discard());
  }
  void TearDown() override {
    watch_.reset();
    client_.reset();  // its idle keep-alive connections would hold the server's Stop
    server_.Stop();
  }

  Runbook Load(const std::string& yaml) {
    const std::filesystem::path file = dir_.Write("runbooks/test.yaml", yaml);
    absl::StatusOr<Runbook> runbook = LoadRunbook(file, {dir_.path() / "runbooks", dir_.path()});
    EXPECT_TRUE(runbook.ok()) << runbook.status();
    return runbook.ok() ? *runbook : Runbook{};
  }

  RunOptions Options() {
    RunOptions options;
    options.run_id = "test-run";
    options.target_node = "gpu-node-1";
    options.project_root = dir_.path();
    options.artifact_dir = dir_.path() / "artifacts";
    options.env.Set("PATH", "/usr/bin:/bin");
    options.tick = absl::Milliseconds(50);
    return options;
  }

  void PatchNode(const json& patch, const std::string& subresource = "") {
    kube::ResourceRef node = kNodes.WithName("gpu-node-1");
    if (!subresource.empty()) node = node.WithSubresource(subresource);
    auto patched = client_->Patch(node, kube::PatchType::kMerge, patch);
    ASSERT_TRUE(patched.ok()) << patched.status();
  }

  // hooks/post.sh leaves "ran" in the artifact "post".
  void WritePostmortemHook() {
    dir_.Write("runbooks/hooks/post.sh", "#!/bin/sh\necho ran > \"$NVSX_ARTIFACT_DIR/post\"\n",
               kExecutable);
  }

  std::string ReadArtifact(const std::string& name) {
    std::ifstream in(dir_.path() / "artifacts" / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  core::SystemClock clock_;
  sim::ApiServer server_{&clock_, {}};
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<ClusterWatch> watch_;
  test::TempDir dir_;
  RecordingRenderer renderer_;
};

constexpr char kFlow[] = R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: flow, nickname: test-moose, title: Flow}
prerequisites:
  - {name: shell, check: "echo Running", expect: Running}
stages:
  - id: preflight
    hook: hooks/env.sh
  - id: detect
    watch:
      - {kind: node-condition, type: GpuPcieWatch, status: "True"}
    timeout: 20s
  - id: quarantine
    watch:
      - {kind: node, field: spec.unschedulable, expect: "true"}
      - {kind: taint, key: nvidia.com/gpu-error}
    timeout: 20s
  - id: postmortem
    hook: hooks/post.sh
narration:
  detect: "waiting on {{alias}} ({{targetNode}})"
)yaml";

TEST_F(RunnerTest, StagesPassOnWatchEventsAndHooksSeeTheRun) {
  dir_.Write("runbooks/hooks/env.sh",
             "#!/bin/sh\nenv | grep ^NVSX_ | sort > \"$NVSX_ARTIFACT_DIR/env.txt\"\n", kExecutable);
  dir_.Write("runbooks/hooks/post.sh", "#!/bin/sh\necho postmortem > \"$NVSX_ARTIFACT_DIR/post\"\n",
             kExecutable);
  const Runbook runbook = Load(kFlow);
  Runner runner(&runbook, Options(), watch_.get(), &renderer_, &clock_);
  BackgroundRun run(runner);
  ASSERT_TRUE(renderer_.WaitFor(RunEventType::kStageStart, "detect"));
  PatchNode({{"status",
              {{"conditions",
                {{{"type", "Ready"}, {"status", "True"}},
                 {{"type", "GpuPcieWatch"}, {"status", "True"}, {"reason", "XID79"}}}}}}},
            "status");
  ASSERT_TRUE(renderer_.WaitFor(RunEventType::kStageStart, "quarantine"));
  PatchNode({{"spec", {{"unschedulable", true}}}});
  PatchNode({{"spec",
              {{"unschedulable", true},
               {"taints", {{{"key", "nvidia.com/gpu-error"}, {"effect", "NoSchedule"}}}}}}});
  const RunOutcome outcome = run.Join();

  EXPECT_EQ(outcome.result, "pass");
  EXPECT_EQ(outcome.exit_code, kRunPassed);
  EXPECT_THAT(renderer_.Trace(),
              ElementsAre("run_start", "stage_start preflight", "prerequisite preflight",
                          "hook_exit preflight", "stage_pass preflight", "stage_start detect",
                          "watch_satisfied detect", "stage_pass detect", "stage_start quarantine",
                          "watch_satisfied quarantine", "watch_satisfied quarantine",
                          "stage_pass quarantine", "stage_start postmortem", "hook_exit postmortem",
                          "stage_pass postmortem", "run_end"));
  const std::string env = ReadArtifact("env.txt");
  EXPECT_THAT(env, HasSubstr("NVSX_STAGE=preflight"));
  EXPECT_THAT(env, HasSubstr("NVSX_TARGET_NODE=gpu-node-1"));
  EXPECT_THAT(env, HasSubstr("NVSX_RUN_ID=test-run"));
  EXPECT_THAT(env, HasSubstr("NVSX_RUNBOOK=test"));
  EXPECT_EQ(ReadArtifact("post"), "postmortem\n");
  const json narration = renderer_.Data(RunEventType::kNarration, "detect");
  EXPECT_EQ(narration["text"],
            core::StrCat("waiting on ", NodeAlias("gpu-node-1"), " (gpu-node-1)"));
}

TEST_F(RunnerTest, TimeoutFailsTheStageSkipsTheRestAndPostmortemStillRuns) {
  WritePostmortemHook();
  const Runbook runbook = Load(R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: t, title: T}
stages:
  - id: detect
    watch: [{kind: node-condition, type: NeverSet}]
    timeout: 300ms
  - id: drain
    watch: [{kind: pod, selector: app=x}]
  - id: postmortem
    hook: hooks/post.sh
)yaml");
  Runner runner(&runbook, Options(), watch_.get(), &renderer_, &clock_);
  const RunOutcome outcome = runner.Run();
  EXPECT_EQ(outcome.result, "fail");
  EXPECT_EQ(outcome.exit_code, kRunStageFailed);
  EXPECT_THAT(renderer_.Data(RunEventType::kStageFail, "detect")["reason"].get<std::string>(),
              HasSubstr("timed out after 300ms waiting for: node gpu-node-1 has no condition "
                        "NeverSet"));
  EXPECT_EQ(renderer_.Data(RunEventType::kStageSkip, "drain")["reason"], "an earlier stage failed");
  EXPECT_EQ(ReadArtifact("post"), "ran\n");
}

TEST_F(RunnerTest, AHangingHookIsKilledAtTheStageTimeoutAndPostmortemRuns) {
  dir_.Write("runbooks/hooks/hang.sh", "#!/bin/sh\nsleep 60\n", kExecutable);
  WritePostmortemHook();
  const Runbook runbook = Load(R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: t, title: T}
stages:
  - id: preflight
    hook: hooks/hang.sh
    timeout: 300ms
  - id: postmortem
    hook: hooks/post.sh
)yaml");
  Runner runner(&runbook, Options(), watch_.get(), &renderer_, &clock_);
  const RunOutcome outcome = runner.Run();
  EXPECT_EQ(outcome.exit_code, kRunStageFailed);
  const json exit = renderer_.Data(RunEventType::kHookExit, "preflight");
  EXPECT_EQ(exit["timed_out"], true);
  EXPECT_THAT(renderer_.Data(RunEventType::kStageFail, "preflight")["reason"].get<std::string>(),
              HasSubstr("hang.sh"));
  EXPECT_EQ(ReadArtifact("post"), "ran\n");
}

TEST_F(RunnerTest, InterruptEndsTheWaitAndRunsPostmortem) {
  WritePostmortemHook();
  const Runbook runbook = Load(R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: t, title: T}
stages:
  - id: detect
    watch: [{kind: taint, key: never}]
    timeout: 10m
  - id: recover
    watch: [{kind: taint, key: never}]
  - id: postmortem
    hook: hooks/post.sh
)yaml");
  Runner runner(&runbook, Options(), watch_.get(), &renderer_, &clock_);
  BackgroundRun run(runner);
  ASSERT_TRUE(renderer_.WaitFor(RunEventType::kStageStart, "detect"));
  runner.Interrupt();
  const RunOutcome outcome = run.Join();
  EXPECT_EQ(outcome.result, "interrupted");
  EXPECT_EQ(outcome.exit_code, kRunInterrupted);
  EXPECT_EQ(renderer_.Data(RunEventType::kStageFail, "detect")["reason"], "interrupted");
  EXPECT_EQ(renderer_.Data(RunEventType::kStageSkip, "recover")["reason"], "interrupted");
  EXPECT_EQ(ReadArtifact("post"), "ran\n");
}

TEST_F(RunnerTest, ACrdClauseWithoutVersionFindsItByDiscovery) {
  const Runbook runbook = Load(R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: t, title: T}
stages:
  - id: remediate
    watch: [{kind: crd, group: janitor.dgxc.nvidia.com, resource: rebootnodes}]
    timeout: 20s
)yaml");
  Runner runner(&runbook, Options(), watch_.get(), &renderer_, &clock_);
  BackgroundRun run(runner);
  ASSERT_TRUE(renderer_.WaitFor(RunEventType::kStageStart, "remediate"));
  const kube::ResourceRef reboots{"janitor.dgxc.nvidia.com", "v1alpha1", "rebootnodes", "", "", ""};
  for (const char* node : {"gpu-node-0", "gpu-node-1"}) {
    auto created =
        client_->Create(reboots, {{"apiVersion", "janitor.dgxc.nvidia.com/v1alpha1"},
                                  {"kind", "RebootNode"},
                                  {"metadata", {{"name", core::StrCat("reboot-", node)}}},
                                  {"spec", {{"nodeName", node}}}});
    ASSERT_TRUE(created.ok()) << created.status();
  }
  EXPECT_EQ(run.Join().result, "pass") << renderer_.Data(RunEventType::kStageFail, "remediate");
  EXPECT_EQ(renderer_.Data(RunEventType::kWatchSatisfied, "remediate")["detail"],
            "rebootnodes/reboot-gpu-node-1 for node gpu-node-1");
}

TEST_F(RunnerTest, DwellHoldsTheStageAtLeastThatLong) {
  const Runbook runbook = Load(R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: t, title: T}
stages:
  - id: detect
    watch: [{kind: node-condition, type: Ready}]
    dwell: 400ms
)yaml");
  Runner runner(&runbook, Options(), watch_.get(), &renderer_, &clock_);
  EXPECT_EQ(runner.Run().result, "pass");
  EXPECT_GE(renderer_.Data(RunEventType::kStagePass, "detect")["elapsed_ms"].get<int64_t>(), 400);
}

TEST_F(RunnerTest, UnmetPrerequisiteFailsPreflight) {
  const Runbook runbook = Load(R"yaml(apiVersion: nvsx/v1
kind: Runbook
metadata: {name: t, title: T}
prerequisites:
  - {name: gpus, check: "echo 0", expect: ">=1"}
stages:
  - id: preflight
  - id: detect
    watch: [{kind: node-condition, type: Ready}]
)yaml");
  Runner runner(&runbook, Options(), watch_.get(), &renderer_, &clock_);
  EXPECT_EQ(runner.Run().exit_code, kRunStageFailed);
  const json check = renderer_.Data(RunEventType::kPrerequisite, "preflight");
  EXPECT_EQ(check["met"], false);
  EXPECT_THAT(renderer_.Data(RunEventType::kStageFail, "preflight")["reason"].get<std::string>(),
              HasSubstr("prerequisite gpus: got \"0\", want >= 1"));
}

TEST_F(RunnerTest, DryRunDescribesEveryStageAndRunsNothing) {
  dir_.Write("runbooks/hooks/env.sh", "#!/bin/sh\ntouch \"$NVSX_ARTIFACT_DIR/ran\"\n", kExecutable);
  dir_.Write("runbooks/hooks/post.sh", "#!/bin/sh\ntouch \"$NVSX_ARTIFACT_DIR/ran\"\n",
             kExecutable);
  const Runbook runbook = Load(kFlow);
  RunOptions options = Options();
  options.dry_run = true;
  Runner runner(&runbook, options, nullptr, &renderer_, &clock_);
  const RunOutcome outcome = runner.Run();
  EXPECT_EQ(outcome.result, "dry-run");
  EXPECT_EQ(outcome.exit_code, kRunPassed);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "artifacts" / "ran"));
  EXPECT_THAT(renderer_.Data(RunEventType::kStageSkip, "quarantine")["reason"].get<std::string>(),
              HasSubstr("dry run: would wait for node (expect=true, field=spec.unschedulable); "
                        "then wait for taint (key=nvidia.com/gpu-error)"));
  EXPECT_THAT(renderer_.Data(RunEventType::kStageSkip, "preflight")["reason"].get<std::string>(),
              HasSubstr("check 1 prerequisites; then run hook"));
}

TEST(CheckRunnableTest, InjectNeedsDrillAndNodeNamesAreChecked) {
  Runbook drill;
  drill.slug = "xid-drill";
  drill.stages.push_back(Stage{.id = "inject"});
  RunOptions options;
  options.target_node = "gpu-node-1";
  const absl::Status refused = CheckRunnable(drill, options);
  EXPECT_TRUE(absl::IsInvalidArgument(refused));
  EXPECT_THAT(refused.message(), HasSubstr("pass --drill"));
  options.drill = true;
  EXPECT_TRUE(CheckRunnable(drill, options).ok());

  for (const char* bad : {"node; rm -rf /", "$(reboot)", "Node-A", "-node", "a b"}) {
    options.target_node = bad;
    const absl::Status status = CheckRunnable(drill, options);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << bad;
    EXPECT_THAT(status.message(), HasSubstr("--target-node")) << bad;
  }
  options.target_node = "ip-10-0-1-7.ec2.internal";
  EXPECT_TRUE(CheckRunnable(drill, options).ok());
}

TEST_F(RunnerTest, TargetNodeComesFromTheNewestOpenHealthEventOrTheOnlyCordonedGpuNode) {
  absl::StatusOr<std::string> none = DetectTargetNode(*client_);
  EXPECT_TRUE(absl::IsFailedPrecondition(none.status()));
  EXPECT_THAT(none.status().message(), HasSubstr("pass --target-node"));

  PatchNode({{"spec", {{"unschedulable", true}}}});
  EXPECT_EQ(DetectTargetNode(*client_).value_or(""), "gpu-node-1");

  ASSERT_TRUE(client_
                  ->Patch(kNodes.WithName("gpu-node-0"), kube::PatchType::kMerge,
                          {{"spec", {{"unschedulable", true}}}})
                  .ok());
  absl::StatusOr<std::string> two = DetectTargetNode(*client_);
  EXPECT_THAT(two.status().message(),
              HasSubstr("2 GPU nodes are cordoned (gpu-node-0, gpu-node-1)"));

  const kube::ResourceRef events{"nvsentinel.nvidia.com", "v1alpha1", "healthevents", "", "", ""};
  auto created = client_->Create(
      events, {{"apiVersion", "nvsentinel.nvidia.com/v1alpha1"},
               {"kind", "HealthEvent"},
               {"metadata", {{"name", "xid79"}}},
               {"spec", {{"nodeName", "gpu-node-0"}, {"agent", "test"}, {"checkName", "GpuXid"}}}});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(DetectTargetNode(*client_).value_or(""), "gpu-node-0");
}

}  // namespace
}  // namespace nvsx::op
