#include "device/heartbeat_monitor.h"

#include <gtest/gtest.h>

#include "test_support/fake_clock.h"

namespace nvsx::device {
namespace {

TEST(HeartbeatMonitorTest, SilentProviderExpiresOnceAndABeatRevivesIt) {
  test::FakeClock clock;
  HeartbeatMonitor monitor(&clock, absl::Seconds(30));
  monitor.Beat("hp/a", {"gpu-0", "gpu-1"});
  monitor.Beat("hp/b", {"gpu-2"});
  clock.Advance(absl::Seconds(20));
  monitor.Beat("hp/b", {"gpu-2"});
  EXPECT_TRUE(monitor.TakeExpired().empty());
  clock.Advance(absl::Seconds(11));
  auto expired = monitor.TakeExpired();
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].provider, "hp/a");
  EXPECT_EQ(expired[0].gpu_names, (std::vector<std::string>{"gpu-0", "gpu-1"}));
  EXPECT_EQ(expired[0].silent_for, absl::Seconds(31));
  EXPECT_TRUE(monitor.TakeExpired().empty());  // reported once
  monitor.Beat("hp/a", {"gpu-0"});
  clock.Advance(absl::Seconds(31));
  EXPECT_EQ(monitor.TakeExpired().size(), 2u);  // both silent now
}

}  // namespace
}  // namespace nvsx::device
