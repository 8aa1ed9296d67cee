#pragma once

// NVML's clocks-throttle (clocks-event) reason bits and their names. The one
// table of them; the NVML and simulated backends both decode through it.

#include <cstdint>
#include <string>
#include <vector>

namespace nvsx::nvml {

// Bit values as NVML defines them (nvmlClocksThrottleReason*).
inline constexpr uint64_t kThrottleGpuIdle = 0x1;
inline constexpr uint64_t kThrottleApplicationsClocksSetting = 0x2;
inline constexpr uint64_t kThrottleSwPowerCap = 0x4;
inline constexpr uint64_t kThrottleHwSlowdown = 0x8;
inline constexpr uint64_t kThrottleSyncBoost = 0x10;
inline constexpr uint64_t kThrottleSwThermalSlowdown = 0x20;
inline constexpr uint64_t kThrottleHwThermalSlowdown = 0x40;
inline constexpr uint64_t kThrottleHwPowerBrakeSlowdown = 0x80;
inline constexpr uint64_t kThrottleDisplayClockSetting = 0x100;

// Both thermal bits: the GPU slows itself down because it is too hot.
inline constexpr uint64_t kThrottleThermalMask =
    kThrottleSwThermalSlowdown | kThrottleHwThermalSlowdown;

// Names of the bits set in `mask`, in bit order ("HwThermalSlowdown", ...);
// bits NVML does not define come out as "Unknown(0x...)".
std::vector<std::string> ThrottleReasonNames(uint64_t mask);

}  // namespace nvsx::nvml
