#include "nvsx/demo/fault_script.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>

namespace nvsx::op {
namespace {

using ::testing::HasSubstr;

RunEvent StageEvent(RunEventType type, std::string stage) {
  return {.type = type, .time = absl::Now(), .run_id = "r", .stage = std::move(stage)};
}

TEST(FaultScriptTest, EachStepRunsOnceWhenItsStageStarts) {
  FaultScript script;
  std::atomic<int> injected{0};
  std::atomic<int> healed{0};
  script.At("detect", [&] {
    ++injected;
    return absl::OkStatus();
  });
  script.At("recover", [&] {
    ++healed;
    return absl::OkStatus();
  });
  EXPECT_EQ(script.started_at(), absl::InfinitePast());
  script.OnEvent(StageEvent(RunEventType::kStageStart, "preflight"));
  script.OnEvent(StageEvent(RunEventType::kStagePass, "detect"));  // not a start
  script.OnEvent(StageEvent(RunEventType::kStageStart, "detect"));
  script.OnEvent(StageEvent(RunEventType::kStageStart, "detect"));  // once only
  script.OnEvent(StageEvent(RunEventType::kStageStart, "recover"));
  EXPECT_TRUE(script.Join().ok());
  EXPECT_EQ(injected.load(), 1);
  EXPECT_EQ(healed.load(), 1);
  EXPECT_NE(script.started_at(), absl::InfinitePast());
}

TEST(FaultScriptTest, AStageNeverReachedOrAFailedStepFailsTheScript) {
  FaultScript unreached;
  unreached.At("recover", [] { return absl::OkStatus(); });
  unreached.OnEvent(StageEvent(RunEventType::kStageStart, "detect"));
  const absl::Status never = unreached.Join();
  EXPECT_EQ(never.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(never.message()), HasSubstr("the runbook never reached recover"));

  FaultScript failing;
  failing.At("detect", [] { return absl::UnavailableError("sim inject: no such node"); });
  failing.OnEvent(StageEvent(RunEventType::kStageStart, "detect"));
  EXPECT_EQ(failing.Join().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace nvsx::op
