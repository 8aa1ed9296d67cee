#include "provider/xid_history.h"

#include <gtest/gtest.h>

namespace nvsx::provider {
namespace {

nvml::XidEvent Xid(int gpu, uint32_t code, absl::Time time) { return {gpu, "uuid", code, time}; }

TEST(XidHistoryTest, KeepsXidsPerGpuUntilTheyAgeOut) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  XidHistory history(absl::Minutes(15));
  history.Record(Xid(0, 48, t0));
  history.Record(Xid(1, 79, t0 + absl::Minutes(10)));
  EXPECT_EQ(history.Recent(0, t0 + absl::Minutes(5)).size(), 1u);
  EXPECT_EQ(history.Recent(0, t0 + absl::Minutes(16)).size(), 0u);
  ASSERT_EQ(history.Recent(1, t0 + absl::Minutes(16)).size(), 1u);
  EXPECT_EQ(history.Recent(1, t0 + absl::Minutes(16))[0].xid, 79u);
  EXPECT_TRUE(history.Recent(7, t0).empty());
}

TEST(XidHistoryTest, AGpuThatComesBackForgetsItsEarlierXids) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  XidHistory history(absl::Hours(1));
  history.Record(Xid(3, 79, t0));
  history.ObserveResponsive(3, true);  // still answering: nothing changes
  EXPECT_EQ(history.Recent(3, t0).size(), 1u);
  history.ObserveResponsive(3, false);  // fell off the bus
  EXPECT_EQ(history.Recent(3, t0).size(), 1u);
  history.ObserveResponsive(3, true);  // back after a reset or reboot
  EXPECT_TRUE(history.Recent(3, t0).empty());
}

}  // namespace
}  // namespace nvsx::provider
