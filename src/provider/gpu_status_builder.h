#pragma once

#include <span>
#include <string>

#include "health/gpu_health.h"
#include "nvidia/device/v1alpha1/gpu.pb.h"
#include "nvml/gpu_types.h"

namespace nvsx::provider {

namespace v1 = ::nvidia::device::v1alpha1;

// The device API name of a GPU: its UUID, lowercased (as upstream names them).
std::string GpuName(const nvml::GpuInfo& gpu);

// The device API object that registers `gpu`.
v1::Gpu BuildGpu(const nvml::GpuInfo& gpu);

// The status the provider reports: the assessed conditions and action, plus
// the telemetry they came from. Transition times are left to the server.
v1::GpuStatus BuildGpuStatus(const health::GpuHealth& health, const nvml::GpuSample& sample,
                             std::span<const nvml::XidEvent> recent_xids);

}  // namespace nvsx::provider
