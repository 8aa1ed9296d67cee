// The janitor's decisions as pure functions of a request, its node and the time.
#include "janitor/janitor_decision.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "janitor/names.h"
#include "kube/types/janitor_patches.h"

namespace nvsx::janitor {
namespace {

using nlohmann::json;
using Step = JanitorDecision::Step;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

json Reboot(std::optional<absl::Time> start = std::nullopt,
            std::optional<absl::Time> completion = std::nullopt, bool signal_sent = true) {
  json object = kube::NewRebootNode("reboot-1", "gpu-node-0", false);
  object["metadata"]["resourceVersion"] = "7";
  json status = json::object();
  if (start) {
    status["startTime"] = core::FormatTimestamp(*start);
    status["conditions"] = {{{"type", "SignalSent"},
                             {"status", signal_sent ? "True" : "Unknown"},
                             {"reason", "x"},
                             {"lastTransitionTime", core::FormatTimestamp(*start)}}};
  }
  if (completion) status["completionTime"] = core::FormatTimestamp(*completion);
  if (!status.empty()) object["status"] = status;
  return object;
}

json Node(const std::string& ready, absl::Time since) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", "gpu-node-0"}}},
          {"status",
           {{"conditions",
             {{{"type", "Ready"},
               {"status", ready},
               {"lastTransitionTime", core::FormatTimestamp(since)}}}}}}};
}

TEST(RebootDecisionTest, APendingRequestStartsWhenItsNodeExists) {
  const kube::Node node(Node("True", kStart - absl::Hours(1)));
  EXPECT_EQ(DecideReboot(kube::RebootNode(Reboot()), &node, kStart, absl::Minutes(10)).step,
            Step::kStart);
  const JanitorDecision orphan =
      DecideReboot(kube::RebootNode(Reboot()), nullptr, kStart, absl::Minutes(10));
  EXPECT_EQ(orphan.step, Step::kFail);
  EXPECT_EQ(orphan.reason, kReasonNodeNotFound);
  EXPECT_THAT(orphan.message, HasSubstr("gpu-node-0 is not registered"));
}

TEST(RebootDecisionTest, CompletedRequestsAreLeftAlone) {
  const kube::Node node(Node("True", kStart - absl::Hours(1)));
  EXPECT_EQ(DecideReboot(kube::RebootNode(Reboot(kStart, kStart + absl::Minutes(1))), &node,
                         kStart + absl::Hours(2), absl::Minutes(10))
                .step,
            Step::kLeave);
  // Even one whose node is gone.
  EXPECT_EQ(
      DecideReboot(kube::RebootNode(Reboot(kStart, kStart)), nullptr, kStart, absl::Minutes(10))
          .step,
      Step::kLeave);
}

TEST(RebootDecisionTest, StartedRequestSucceedsOnlyOnceTheNodeCameBackAfterTheStart) {
  const kube::RebootNode request(Reboot(kStart));
  // Still Ready from before the request: the node has not gone down yet.
  const kube::Node before(Node("True", kStart - absl::Hours(1)));
  JanitorDecision wait =
      DecideReboot(request, &before, kStart + absl::Seconds(5), absl::Minutes(10));
  EXPECT_EQ(wait.step, Step::kWait);
  EXPECT_EQ(wait.wait, absl::Minutes(10) - absl::Seconds(5));
  const kube::Node down(Node("Unknown", kStart + absl::Seconds(1)));
  EXPECT_EQ(DecideReboot(request, &down, kStart + absl::Seconds(5), absl::Minutes(10)).step,
            Step::kWait);
  const kube::Node back(Node("True", kStart + absl::Seconds(30)));
  const JanitorDecision done =
      DecideReboot(request, &back, kStart + absl::Seconds(31), absl::Minutes(10));
  EXPECT_EQ(done.step, Step::kSucceed);
  EXPECT_EQ(done.reason, kReasonNodeReady);
  EXPECT_THAT(done.message, HasSubstr("Ready again since"));
}

TEST(RebootDecisionTest, ATimeoutSaysWhatDidNotHappen) {
  const absl::Time late = kStart + absl::Minutes(11);
  const kube::Node never_down(Node("True", kStart - absl::Hours(1)));
  JanitorDecision failed =
      DecideReboot(kube::RebootNode(Reboot(kStart)), &never_down, late, absl::Minutes(10));
  EXPECT_EQ(failed.step, Step::kFail);
  EXPECT_EQ(failed.reason, kReasonNodeNotReady);
  EXPECT_THAT(failed.message, HasSubstr("was not Ready again within 10m"));
  EXPECT_THAT(failed.message, HasSubstr("never went down"));

  const kube::Node still_down(Node("Unknown", kStart + absl::Seconds(2)));
  failed = DecideReboot(kube::RebootNode(Reboot(kStart, std::nullopt, /*signal_sent=*/false)),
                        &still_down, late, absl::Minutes(10));
  EXPECT_EQ(failed.step, Step::kFail);
  EXPECT_THAT(failed.message, HasSubstr("is Ready=Unknown since"));
  EXPECT_THAT(failed.message, HasSubstr("never confirmed sent"));

  failed = DecideReboot(kube::RebootNode(Reboot(kStart)), nullptr, late, absl::Minutes(10));
  EXPECT_THAT(failed.message, HasSubstr("no longer registered"));
}

TEST(ResetDecisionTest, AResetFoundStartedIsWaitedForThenFailedAsUnknown) {
  json object = kube::NewGpuReset("reset-1", "gpu-node-0", {"GPU-1"});
  EXPECT_EQ(DecideReset(kube::GpuReset(object), true, kStart, absl::Minutes(5)).step, Step::kStart);
  EXPECT_EQ(DecideReset(kube::GpuReset(object), false, kStart, absl::Minutes(5)).reason,
            kReasonNodeNotFound);
  object["status"] = {{"startTime", core::FormatTimestamp(kStart)}};
  const JanitorDecision wait =
      DecideReset(kube::GpuReset(object), true, kStart + absl::Minutes(1), absl::Minutes(5));
  EXPECT_EQ(wait.step, Step::kWait);
  EXPECT_EQ(wait.wait, absl::Minutes(4));
  const JanitorDecision failed =
      DecideReset(kube::GpuReset(object), true, kStart + absl::Minutes(5), absl::Minutes(5));
  EXPECT_EQ(failed.step, Step::kFail);
  EXPECT_EQ(failed.reason, kReasonResetOutcomeUnknown);
  EXPECT_THAT(failed.message, HasSubstr("reported no outcome within 5m"));
  object["status"]["completionTime"] = core::FormatTimestamp(kStart + absl::Minutes(1));
  EXPECT_EQ(
      DecideReset(kube::GpuReset(object), true, kStart + absl::Hours(1), absl::Minutes(5)).step,
      Step::kLeave);
}

TEST(ResetDecisionTest, AnInvalidRequestFailsSayingWhichField) {
  json object = kube::NewGpuReset("reset-1", "gpu-node-0", {});
  object["spec"]["gpuUUIDs"] = "GPU-1";  // not a list
  const JanitorDecision failed =
      DecideReset(kube::GpuReset(object), true, kStart, absl::Minutes(5));
  EXPECT_EQ(failed.step, Step::kFail);
  EXPECT_EQ(failed.reason, kReasonInvalidRequest);
  EXPECT_THAT(failed.message, HasSubstr("gpuUUIDs"));
}

}  // namespace
}  // namespace nvsx::janitor
