#pragma once

// What the publisher makes of one GPU as the device API reports it: fatal (a
// HealthEvent with isFatal must be open), degraded (a finding that leaves the
// GPU usable, such as heat or a corrupted InfoROM: an event with isFatal
// false), healthy (open events may close), or none of these (its checks
// cannot be read: nothing changes until they can).

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "health/xid_catalog.h"
#include "nvidia/device/v1alpha1/gpu.pb.h"

namespace nvsx::publisher {

namespace v1 = ::nvidia::device::v1alpha1;

enum class GpuState { kFatal, kDegraded, kHealthy, kUndetermined };

struct GpuFault {
  GpuState state = GpuState::kUndetermined;
  std::string gpu_name;  // the device API object's name
  std::string uuid;
  std::string pci_bus_id;
  int index = 0;
  std::string model;
  // The checks whose fatal condition is True (degraded: whose condition is
  // True), in the GPU's condition order; the first is the event's checkName.
  std::vector<std::string> checks;
  std::string message;             // "Check: message" per check above
  std::string recommended_action;  // the GPU's, a HealthEvent enum name
  std::vector<std::string> xids;   // distinct recent XID codes, in order first seen
  // When the earliest of those conditions turned True (the device API's
  // transition time): with the GPU it identifies one fault episode.
  absl::Time onset = absl::UnixEpoch();
};

// Whether `condition` reports a fatal fault: status True and a reason the
// health assessment (health/gpu_health.cc) raises only for fatal findings;
// "XidN" reasons are fatal when the catalog says XID N is.
bool IsFatalCondition(const v1::Condition& condition, const health::XidCatalog& catalog);

// Judges `gpu`. A GPU is fatal when any fatal condition is True; degraded
// when only others are; healthy when none is, it has conditions and none is
// Unknown (a silent provider, or one that has not reported yet, proves
// nothing).
GpuFault JudgeGpu(const v1::Gpu& gpu, const health::XidCatalog& catalog);

}  // namespace nvsx::publisher
