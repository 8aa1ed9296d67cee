#pragma once

// The checks a GPU's health is reported under. Each is a condition type on the
// GPU (and, downstream, a node condition / HealthEvent check name), named as
// NVSentinel names them.

#include <array>
#include <string_view>

namespace nvsx::health {

inline constexpr std::string_view kGpuPcieWatch = "GpuPcieWatch";        // off the bus
inline constexpr std::string_view kGpuMemWatch = "GpuMemWatch";          // ECC, row remap
inline constexpr std::string_view kGpuNvlinkWatch = "GpuNvlinkWatch";    // NVLink, C2C
inline constexpr std::string_view kGpuThermalWatch = "GpuThermalWatch";  // heat
inline constexpr std::string_view kGpuDriverWatch = "GpuDriverWatch";    // hang, GSP
inline constexpr std::string_view kGpuInforomWatch = "GpuInforomWatch";  // InfoROM
inline constexpr std::string_view kSysLogsXidError = "SysLogsXIDError";  // other XIDs

// Every check, in the order a GPU's conditions are listed.
inline constexpr std::array<std::string_view, 7> kAllChecks = {
    kGpuPcieWatch,   kGpuMemWatch,     kGpuNvlinkWatch,  kGpuThermalWatch,
    kGpuDriverWatch, kGpuInforomWatch, kSysLogsXidError,
};

}  // namespace nvsx::health
