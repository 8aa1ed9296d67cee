#pragma once

// A GPU's health from what its backend reports: a pure function, so the
// provider, the simulator and tests all judge a GPU the same way.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "health/recommended_action.h"
#include "health/xid_catalog.h"
#include "nvml/gpu_types.h"

namespace nvsx::health {

// One check's verdict, shaped like a Kubernetes / device-API condition.
struct HealthCondition {
  std::string type;    // a check from check_types.h (or a custom catalog's)
  std::string status;  // "True": the fault is present; "False"; "Unknown": unreadable
  std::string reason;  // CamelCase: "Xid79", "DoubleBitEcc", "NoFault", ...
  std::string message;
  bool fatal = false;  // True and the GPU cannot be trusted until remediated
  RecommendedAction action = RecommendedAction::kNone;
};

struct GpuHealth {
  // One per check in kAllChecks order, then any other check a catalog entry
  // named; every check is listed, so a healed fault reads "False".
  std::vector<HealthCondition> conditions;
  // The most severe action among the fatal findings; when there are none,
  // among the non-fatal ones; NONE for a healthy GPU.
  RecommendedAction recommended_action = RecommendedAction::kNone;
  bool healthy = true;  // no fatal condition is True
  // Distinct XID codes of this GPU among `recent_xids`, in order first seen.
  std::vector<uint32_t> xids;
};

// Judges `gpu` from its latest `sample` and `recent_xids`, the XIDs the caller
// still holds against it (the caller ages them out, e.g. after a reset).
// XIDs of other GPUs (by uuid, or by index when the event has no uuid) are
// ignored. Readings an unresponsive GPU could not give make their checks
// "Unknown" unless an XID already shows the fault.
GpuHealth AssessGpuHealth(const nvml::GpuInfo& gpu, const nvml::GpuSample& sample,
                          std::span<const nvml::XidEvent> recent_xids, const XidCatalog& catalog);

}  // namespace nvsx::health
