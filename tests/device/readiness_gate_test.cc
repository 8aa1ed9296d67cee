#include "device/readiness_gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support/fake_clock.h"

namespace nvsx::device {
namespace {

using ::testing::HasSubstr;

TEST(ReadinessGateTest, ServesAfterRegistrationOrTimeoutButReadyOnlyAfterRegistration) {
  test::FakeClock clock;
  ReadinessGate gate(&clock, absl::Seconds(30));
  EXPECT_EQ(gate.CheckServing().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(gate.CheckServing().message()), HasSubstr("no provider"));
  clock.Advance(absl::Seconds(31));
  EXPECT_TRUE(gate.CheckServing().ok());
  EXPECT_THAT(std::string(gate.CheckReady().message()), HasSubstr("no provider registered"));
  gate.MarkProviderRegistered();
  EXPECT_TRUE(gate.CheckReady().ok());
}

TEST(ReadinessGateTest, RegistrationOpensTheGateBeforeTheTimeout) {
  test::FakeClock clock;
  ReadinessGate gate(&clock, absl::Seconds(30));
  gate.MarkProviderRegistered();
  EXPECT_TRUE(gate.CheckServing().ok());
  EXPECT_TRUE(gate.CheckReady().ok());
}

}  // namespace
}  // namespace nvsx::device
