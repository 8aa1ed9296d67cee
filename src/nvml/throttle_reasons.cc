#include "nvml/throttle_reasons.h"

#include <array>
#include <string_view>

#include "fmt/format.h"

namespace nvsx::nvml {
namespace {

struct ThrottleBit {
  uint64_t bit;
  std::string_view name;
};

constexpr std::array<ThrottleBit, 9> kThrottleBits = {{
    {kThrottleGpuIdle, "GpuIdle"},
    {kThrottleApplicationsClocksSetting, "ApplicationsClocksSetting"},
    {kThrottleSwPowerCap, "SwPowerCap"},
    {kThrottleHwSlowdown, "HwSlowdown"},
    {kThrottleSyncBoost, "SyncBoost"},
    {kThrottleSwThermalSlowdown, "SwThermalSlowdown"},
    {kThrottleHwThermalSlowdown, "HwThermalSlowdown"},
    {kThrottleHwPowerBrakeSlowdown, "HwPowerBrakeSlowdown"},
    {kThrottleDisplayClockSetting, "DisplayClockSetting"},
}};

}  // namespace

std::vector<std::string> ThrottleReasonNames(uint64_t mask) {
  std::vector<std::string> names;
  uint64_t known = 0;
  for (const ThrottleBit& entry : kThrottleBits) {
    known |= entry.bit;
    if ((mask & entry.bit) != 0) names.emplace_back(entry.name);
  }
  if (uint64_t unknown = mask & ~known; unknown != 0) {
    names.push_back(fmt::format("Unknown(0x{:x})", unknown));
  }
  return names;
}

}  // namespace nvsx::nvml
