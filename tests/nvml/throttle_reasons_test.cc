#include "nvml/throttle_reasons.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nvsx::nvml {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ThrottleReasonNamesTest, NoBitsNoNames) { EXPECT_THAT(ThrottleReasonNames(0), IsEmpty()); }

TEST(ThrottleReasonNamesTest, DecodesNvmlBitValuesInBitOrder) {
  EXPECT_THAT(ThrottleReasonNames(0x40 | 0x20 | 0x1),
              ElementsAre("GpuIdle", "SwThermalSlowdown", "HwThermalSlowdown"));
  EXPECT_THAT(ThrottleReasonNames(0x4 | 0x8 | 0x80),
              ElementsAre("SwPowerCap", "HwSlowdown", "HwPowerBrakeSlowdown"));
}

TEST(ThrottleReasonNamesTest, UndefinedBitsAreNamedUnknown) {
  EXPECT_THAT(ThrottleReasonNames(0x100 | 0x1000),
              ElementsAre("DisplayClockSetting", "Unknown(0x1000)"));
}

TEST(ThrottleReasonNamesTest, ThermalMaskCoversBothThermalBits) {
  EXPECT_EQ(kThrottleThermalMask, 0x60u);
}

}  // namespace
}  // namespace nvsx::nvml
