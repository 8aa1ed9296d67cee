#pragma once

// The GPU fault the publisher tests start from: XID 79 on GPU 3 of gpu-node-1.

#include "publisher/gpu_fault.h"
#include "publisher/health_event_spec.h"

namespace nvsx::publisher::testing {

inline GpuFault Xid79OnGpu3() {
  GpuFault fault;
  fault.state = GpuState::kFatal;
  fault.gpu_name = "gpu-0a1b";
  fault.uuid = "GPU-0A1B";
  fault.pci_bus_id = "00000000:1B:00.0";
  fault.index = 3;
  fault.model = "NVIDIA H100 80GB HBM3";
  fault.checks = {"GpuPcieWatch"};
  fault.message = "GpuPcieWatch: XID 79: fallen off the bus";
  fault.recommended_action = "RESTART_BM";
  fault.xids = {"79"};
  fault.onset = absl::FromUnixSeconds(1000);
  return fault;
}

inline EventSource Source() { return EventSource{.node_name = "gpu-node-1"}; }

}  // namespace nvsx::publisher::testing
