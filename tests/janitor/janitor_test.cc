// The janitor against the embedded cluster: each backend carries out
// RebootNode and GPUReset objects and marks their outcome; restarts, timeouts
// and completed objects are handled as the contract says.
#include "janitor/janitor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "janitor/command_backend.h"
#include "janitor/janitor_fixture.h"
#include "janitor/names.h"
#include "janitor/none_backend.h"
#include "kube/types/event.h"
#include "nvml/sim_gpu_backend.h"
#include "sim_nodes/fault_request.h"

namespace nvsx::janitor::testing {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<CommandBackend> Command(const std::string& reboot, const std::string& reset = "",
                                        absl::Duration timeout = absl::Seconds(20)) {
  CommandBackendOptions options;
  options.reboot_command = reboot;
  options.reset_command = reset;
  options.timeout = timeout;
  options.env = core::Environment({{"PATH", "/usr/bin:/bin"}});
  auto backend = CommandBackend::Create(options);
  EXPECT_TRUE(backend.ok()) << backend.status();
  return backend.ok() ? *std::move(backend) : nullptr;
}

std::string ReadyStatus(const kube::Node& node) {
  std::optional<kube::Condition> ready = node.FindCondition("Ready");
  return ready ? std::string(kube::ConditionStatusName(ready->status)) : "";
}

TEST_F(JanitorTest, SimBackendRebootsTheNodeAndMarksItReady) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "trainer"}}},
              {"spec",
               {{"nodeName", "gpu-node-0"},
                {"terminationGracePeriodSeconds", 0},
                {"containers", {{{"name", "main"}, {"image", "cuda:12"}}}}}}};
  ASSERT_TRUE(client_->Create(kPods, pod).ok());
  ASSERT_TRUE(
      Eventually([&] { return Get(kPods, "trainer")["status"].value("phase", "") == "Running"; }));
  const std::string boot_id = Node("gpu-node-0").object()["status"]["nodeInfo"].value("bootID", "");
  // Down long enough for the test to see it down.
  sim_backend_ = std::make_unique<SimBackend>(
      sim_client_.get(), &clock_, SimBackendOptions{.reboot_downtime = absl::Seconds(2)},
      core::Logger::Discard());

  CreateReboot("reboot-1");
  StartJanitor(sim_backend_.get());
  // The node goes down (Ready Unknown) and its pods stop...
  ASSERT_TRUE(Eventually([&] { return ReadyStatus(Node("gpu-node-0")) == "Unknown"; }));
  ASSERT_TRUE(
      Eventually([&] { return Get(kPods, "trainer")["status"].value("phase", "") == "Failed"; }));
  // ...then comes back, and the request is marked done.
  ASSERT_TRUE(RebootState("reboot-1", kube::JanitorState::kSucceeded));
  const kube::RebootNode done = Reboot("reboot-1");
  ASSERT_TRUE(done.start_time().has_value());
  ASSERT_TRUE(done.completion_time().has_value());
  EXPECT_GE(*done.completion_time(), *done.start_time());
  const std::optional<kube::Condition> ready = done.FindCondition(kube::kRebootNodeReady);
  ASSERT_TRUE(ready.has_value());
  EXPECT_TRUE(ready->IsTrue());
  EXPECT_EQ(ready->reason, kReasonNodeReady);
  const std::optional<kube::Condition> signal = done.FindCondition(kube::kRebootSignalSent);
  ASSERT_TRUE(signal.has_value());
  EXPECT_TRUE(signal->IsTrue());
  const kube::Node node = Node("gpu-node-0");
  EXPECT_EQ(ReadyStatus(node), "True");
  EXPECT_NE(node.object()["status"]["nodeInfo"].value("bootID", ""), boot_id);

  // Events on the request and on the node say what happened.
  FlushEvents();
  auto events = client_->List({.group = "events.k8s.io",
                               .version = "v1",
                               .resource = "events",
                               .namespace_name = "default"});
  ASSERT_TRUE(events.ok()) << events.status();
  std::multiset<std::string> seen;
  for (const json& item : (*events)["items"]) {
    const kube::Event event(item);
    seen.insert(event.regarding().kind + "/" + event.reason());
  }
  EXPECT_EQ(seen.count("RebootNode/RebootStarted"), 1u);
  EXPECT_EQ(seen.count("RebootNode/RebootSucceeded"), 1u);
  EXPECT_EQ(seen.count("Node/RebootStarted"), 1u);
  EXPECT_EQ(seen.count("Node/RebootSucceeded"), 1u);
}

TEST_F(JanitorTest, SimBackendGpuResetHealsTheGpu) {
  ASSERT_TRUE(nodes_->Apply({.node = "gpu-node-1", .gpu = 2, .xid = 79}).ok());
  ASSERT_FALSE(nodes_->Find("gpu-node-1")->gpus().Sample(2)->responsive());
  CreateReset("reset-1", "gpu-node-1", {nvml::SimGpuUuid("gpu-node-1", 2)});
  StartJanitor(sim_backend_.get());
  ASSERT_TRUE(ResetState("reset-1", kube::JanitorState::kSucceeded));
  const std::optional<kube::Condition> complete =
      Reset("reset-1").FindCondition(kube::kGpuResetComplete);
  ASSERT_TRUE(complete.has_value());
  EXPECT_EQ(complete->reason, kReasonGpusReset);
  // The reading right after a reset may still say so (unless the node's
  // health provider took it); the one after answers.
  nvml::SimGpuBackend& gpus = nodes_->Find("gpu-node-1")->gpus();
  const nvml::GpuSample first = *gpus.Sample(2);
  EXPECT_TRUE(first.responsive() || first.unresponsive == nvml::Unresponsive::kResetting);
  EXPECT_TRUE(gpus.Sample(2)->responsive());
  // A reset is not a reboot: the node stayed up.
  EXPECT_TRUE(kubelet_->NodeUp("gpu-node-1"));
}

TEST_F(JanitorTest, CommandBackendRunsTheProgramWithTheNodeAndGpus) {
  const std::string log = (temp_.path() / "calls").string();
  auto backend = Command(Script("reboot", "echo reboot \"$@\" >> " + log),
                         Script("reset", "echo reset \"$@\" >> " + log));
  CreateReset("reset-1", "gpu-node-0", {"GPU-a", "GPU-b"});
  CreateReboot("reboot-1", "gpu-node-1");
  StartJanitor(std::move(backend));
  ASSERT_TRUE(ResetState("reset-1", kube::JanitorState::kSucceeded));
  // Exit 0 means the reboot was asked for; the request waits for the node.
  ASSERT_TRUE(Eventually([&] {
    auto signal = Reboot("reboot-1").FindCondition(kube::kRebootSignalSent);
    return signal && signal->IsTrue();
  }));
  EXPECT_EQ(Reboot("reboot-1").state(), kube::JanitorState::kInProgress);
  ASSERT_TRUE(kubelet_->RebootNode("gpu-node-1", absl::Seconds(1)).ok());
  ASSERT_TRUE(RebootState("reboot-1", kube::JanitorState::kSucceeded));
  std::ifstream in(log);
  std::string line;
  std::multiset<std::string> lines;
  while (std::getline(in, line)) lines.insert(line);
  EXPECT_EQ(lines,
            (std::multiset<std::string>{"reset gpu-node-0 GPU-a GPU-b", "reboot gpu-node-1"}));
}

TEST_F(JanitorTest, AForcedRebootAsksTheCommandWithForce) {
  const std::string log = (temp_.path() / "calls").string();
  CreateReboot("graceful", "gpu-node-0");
  CreateReboot("forced", "gpu-node-1", /*force=*/true);
  StartJanitor(Command(Script("reboot", "echo \"$@\" >> " + log)));
  for (const char* name : {"graceful", "forced"}) {
    ASSERT_TRUE(Eventually([&] {
      auto signal = Reboot(name).FindCondition(kube::kRebootSignalSent);
      return signal && signal->IsTrue();
    })) << name;
  }
  std::ifstream in(log);
  std::multiset<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.insert(line);
  EXPECT_EQ(lines, (std::multiset<std::string>{"gpu-node-0", "gpu-node-1 --force"}));
}

TEST_F(JanitorTest, AFailingCommandFailsTheRequestWithItsStderr) {
  auto backend =
      Command(Script("reboot", "echo 'ipmitool: BMC at 10.0.0.9 unreachable' >&2\nexit 3"));
  CreateReboot("reboot-1");
  StartJanitor(std::move(backend));
  ASSERT_TRUE(RebootState("reboot-1", kube::JanitorState::kFailed));
  const std::optional<kube::Condition> ready =
      Reboot("reboot-1").FindCondition(kube::kRebootNodeReady);
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, kube::ConditionStatus::kFalse);
  EXPECT_EQ(ready->reason, kReasonRebootFailed);
  EXPECT_THAT(ready->message, HasSubstr("exited with status 3"));
  EXPECT_THAT(ready->message, HasSubstr("stderr: ipmitool: BMC at 10.0.0.9 unreachable"));
  EXPECT_TRUE(kubelet_->NodeUp("gpu-node-0"));
}

TEST_F(JanitorTest, AHangingCommandIsKilledAtItsTimeout) {
  auto backend = Command(Script("reboot", "echo starting\nsleep 60"), "", absl::Milliseconds(300));
  CreateReboot("reboot-1");
  StartJanitor(std::move(backend));
  ASSERT_TRUE(RebootState("reboot-1", kube::JanitorState::kFailed));
  const std::optional<kube::Condition> ready =
      Reboot("reboot-1").FindCondition(kube::kRebootNodeReady);
  ASSERT_TRUE(ready.has_value());
  EXPECT_THAT(ready->message, HasSubstr("timing out"));
  EXPECT_THAT(ready->message, HasSubstr("stdout: starting"));
}

TEST_F(JanitorTest, ResetWithoutAResetCommandFailsSayingSo) {
  auto backend = Command(Script("reboot", "exit 0"));
  CreateReset("reset-1", "gpu-node-0", {});
  StartJanitor(std::move(backend));
  ASSERT_TRUE(ResetState("reset-1", kube::JanitorState::kFailed));
  EXPECT_THAT(Reset("reset-1").FindCondition(kube::kGpuResetComplete)->message,
              HasSubstr("--reset-command"));
}

TEST_F(JanitorTest, ANodeThatNeverRebootsFailsAtTheRebootTimeout) {
  auto backend = Command(Script("reboot", "exit 0"));  // says yes, does nothing
  CreateReboot("reboot-1");
  JanitorOptions options = FastOptions();
  options.reboot_timeout = absl::Seconds(2);
  StartJanitor(std::move(backend), options);
  ASSERT_TRUE(RebootState("reboot-1", kube::JanitorState::kFailed));
  const std::optional<kube::Condition> ready =
      Reboot("reboot-1").FindCondition(kube::kRebootNodeReady);
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->reason, kReasonNodeNotReady);
  EXPECT_THAT(ready->message, HasSubstr("was not Ready again within 2s"));
  EXPECT_THAT(ready->message, HasSubstr("never went down"));
}

TEST_F(JanitorTest, ARequestForAnUnknownNodeFails) {
  CreateReboot("reboot-1", "gpu-node-9");
  auto owned = std::make_unique<CountingBackend>(sim_backend_.get());
  const CountingBackend& backend = *owned;
  StartJanitor(std::move(owned));
  ASSERT_TRUE(RebootState("reboot-1", kube::JanitorState::kFailed));
  EXPECT_EQ(Reboot("reboot-1").FindCondition(kube::kRebootNodeReady)->reason, kReasonNodeNotFound);
  EXPECT_EQ(backend.reboots, 0);
}

TEST_F(JanitorTest, AJanitorRestartedMidRebootWaitsInsteadOfRebootingAgain) {
  sim_backend_ = std::make_unique<SimBackend>(
      sim_client_.get(), &clock_, SimBackendOptions{.reboot_downtime = absl::Seconds(3)},
      core::Logger::Discard());
  CountingBackend first(sim_backend_.get());
  CreateReboot("reboot-1");
  Janitor* janitor = StartJanitor(&first);
  ASSERT_TRUE(Eventually([&] {
    auto signal = Reboot("reboot-1").FindCondition(kube::kRebootSignalSent);
    return signal && signal->IsTrue();
  }));
  StopJanitor(janitor);
  EXPECT_FALSE(kubelet_->NodeUp("gpu-node-0"));

  auto owned = std::make_unique<CountingBackend>(sim_backend_.get());
  const CountingBackend& second = *owned;
  StartJanitor(std::move(owned));
  ASSERT_TRUE(RebootState("reboot-1", kube::JanitorState::kSucceeded));
  EXPECT_EQ(first.reboots, 1);
  EXPECT_EQ(second.reboots, 0);
}

TEST_F(JanitorTest, CompletedRequestsAreNotRedone) {
  CreateReboot("done");
  CreateReset("failed", "gpu-node-0", {});
  const absl::Time now = clock_.Now();
  auto finish = [&](const kube::ResourceRef& resource, const std::string& name,
                    const std::string& condition, bool success) {
    kube::RebootNode request(Get(resource, name));
    kube::ObjectPatch started = kube::JanitorStartedPatch(
        request, {.type = condition, .status = kube::ConditionStatus::kUnknown}, now);
    auto written = client_->Patch(resource.WithName(name).WithSubresource("status"), started.type,
                                  started.body);
    ASSERT_TRUE(written.ok()) << written.status();
    kube::ObjectPatch finished = kube::JanitorFinishedPatch(
        kube::RebootNode(*written),
        {.type = condition,
         .status = success ? kube::ConditionStatus::kTrue : kube::ConditionStatus::kFalse},
        now);
    ASSERT_TRUE(
        client_
            ->Patch(resource.WithName(name).WithSubresource("status"), finished.type, finished.body)
            .ok());
  };
  finish(kube::RebootNodesResource(), "done", std::string(kube::kRebootNodeReady), true);
  finish(kube::GpuResetsResource(), "failed", std::string(kube::kGpuResetComplete), false);
  const std::string reboot_version = Reboot("done").metadata().resource_version();
  const std::string reset_version = Reset("failed").metadata().resource_version();

  auto owned = std::make_unique<CountingBackend>(sim_backend_.get());
  const CountingBackend& backend = *owned;
  Janitor* janitor = StartJanitor(std::move(owned));
  ASSERT_TRUE(Eventually([&] { return janitor->reconciles() >= 2; }));
  EXPECT_EQ(backend.reboots + backend.resets, 0);
  EXPECT_EQ(Reboot("done").metadata().resource_version(), reboot_version);
  EXPECT_EQ(Reset("failed").metadata().resource_version(), reset_version);
  EXPECT_TRUE(kubelet_->NodeUp("gpu-node-0"));
}

TEST_F(JanitorTest, BackendNoneLeavesEveryObjectUntouched) {
  CreateReboot("reboot-1");
  CreateReset("reset-1", "gpu-node-1", {});
  const std::string reboot_version = Reboot("reboot-1").metadata().resource_version();
  const std::string reset_version = Reset("reset-1").metadata().resource_version();
  Janitor* janitor = StartJanitor(std::make_unique<NoneBackend>());
  ASSERT_TRUE(Eventually([&] { return janitor->reconciles() >= 2; }));
  EXPECT_EQ(Reboot("reboot-1").metadata().resource_version(), reboot_version);
  EXPECT_EQ(Reset("reset-1").metadata().resource_version(), reset_version);
  EXPECT_FALSE(Reboot("reboot-1").object().contains("status"));
  EXPECT_TRUE(kubelet_->NodeUp("gpu-node-0"));
}

}  // namespace
}  // namespace nvsx::janitor::testing
