#include "health/gpu_health.h"

#include <algorithm>
#include <utility>

#include "core/str_cat.h"
#include "health/check_types.h"
#include "nvml/throttle_reasons.h"

namespace nvsx::health {
namespace {

struct Finding {
  std::string reason;
  std::string message;
  bool fatal = false;
  RecommendedAction action = RecommendedAction::kNone;
};

// Findings gathered per check, in listing order.
class Verdicts {
 public:
  Verdicts() {
    for (std::string_view check : kAllChecks) Slot(check);
  }

  void Add(std::string_view check, Finding finding) {
    Slot(check).findings.push_back(std::move(finding));
  }
  void MarkUnreadable(std::string_view check) { Slot(check).unreadable = true; }

  GpuHealth Finish(const std::string& unreadable_detail) && {
    GpuHealth health;
    bool any_fatal = false;
    RecommendedAction fatal_action = RecommendedAction::kNone;
    RecommendedAction other_action = RecommendedAction::kNone;
    for (CheckSlot& slot : slots_) {
      HealthCondition condition;
      condition.type = std::move(slot.type);
      if (!slot.findings.empty()) {
        // The reason is the worst finding's; the message tells them all.
        std::stable_sort(slot.findings.begin(), slot.findings.end(),
                         [](const Finding& a, const Finding& b) {
                           if (a.fatal != b.fatal) return a.fatal;
                           return ActionSeverity(a.action) > ActionSeverity(b.action);
                         });
        condition.status = "True";
        condition.reason = slot.findings.front().reason;
        for (const Finding& finding : slot.findings) {
          if (!condition.message.empty()) condition.message += "; ";
          condition.message += finding.message;
          condition.fatal = condition.fatal || finding.fatal;
          condition.action = MoreSevere(condition.action, finding.action);
          if (finding.fatal) {
            any_fatal = true;
            fatal_action = MoreSevere(fatal_action, finding.action);
          } else {
            other_action = MoreSevere(other_action, finding.action);
          }
        }
      } else if (slot.unreadable) {
        condition.status = "Unknown";
        condition.reason = "GpuUnresponsive";
        condition.message = core::StrCat("cannot read this check: ", unreadable_detail);
      } else {
        condition.status = "False";
        condition.reason = "NoFault";
        condition.message = "no fault detected";
      }
      health.conditions.push_back(std::move(condition));
    }
    health.healthy = !any_fatal;
    health.recommended_action = any_fatal ? fatal_action : other_action;
    return health;
  }

 private:
  struct CheckSlot {
    std::string type;
    std::vector<Finding> findings;
    bool unreadable = false;
  };

  CheckSlot& Slot(std::string_view check) {
    for (CheckSlot& slot : slots_) {
      if (slot.type == check) return slot;
    }
    slots_.push_back(CheckSlot{.type = std::string(check)});
    return slots_.back();
  }

  std::vector<CheckSlot> slots_;
};

bool IsThisGpu(const nvml::GpuInfo& gpu, const nvml::XidEvent& event) {
  return event.uuid.empty() ? event.gpu_index == gpu.index : event.uuid == gpu.uuid;
}

void AddXidFindings(const nvml::GpuInfo& gpu, std::span<const nvml::XidEvent> recent_xids,
                    const XidCatalog& catalog, Verdicts& verdicts, std::vector<uint32_t>& codes) {
  std::vector<int> counts;
  for (const nvml::XidEvent& event : recent_xids) {
    if (!IsThisGpu(gpu, event)) continue;
    auto it = std::find(codes.begin(), codes.end(), event.xid);
    if (it == codes.end()) {
      codes.push_back(event.xid);
      counts.push_back(1);
    } else {
      ++counts[it - codes.begin()];
    }
  }
  for (size_t i = 0; i < codes.size(); ++i) {
    const XidInfo info = catalog.Lookup(codes[i]);
    std::string message = core::StrCat("XID ", info.code, ": ", info.meaning);
    if (counts[i] > 1) core::StrAppend(&message, " (", counts[i], " times)");
    if (info.implicates_application) {
      core::StrAppend(&message, "; likely the application's fault, not the GPU's");
    }
    verdicts.Add(info.check, Finding{.reason = core::StrCat("Xid", info.code),
                                     .message = std::move(message),
                                     .fatal = info.fatal,
                                     .action = info.action});
  }
}

void AddSampleFindings(const nvml::GpuSample& sample, Verdicts& verdicts) {
  if (sample.ecc.has_value() && sample.ecc->volatile_dbe > 0) {
    verdicts.Add(kGpuMemWatch,
                 Finding{.reason = "DoubleBitEcc",
                         .message = core::StrCat(sample.ecc->volatile_dbe,
                                                 " uncorrectable (double-bit) ECC errors since "
                                                 "the last reset"),
                         .fatal = true,
                         .action = RecommendedAction::kComponentReset});
  }
  if (sample.remapped_rows.has_value()) {
    if (sample.remapped_rows->failure) {
      verdicts.Add(kGpuMemWatch, Finding{.reason = "RowRemapFailure",
                                         .message = "row remapping failed: no spare rows left",
                                         .fatal = true,
                                         .action = RecommendedAction::kContactSupport});
    } else if (sample.remapped_rows->pending) {
      verdicts.Add(kGpuMemWatch, Finding{.reason = "RowRemapPending",
                                         .message = "a row remap waits for a GPU reset",
                                         .fatal = false,
                                         .action = RecommendedAction::kComponentReset});
    }
  }
  std::string down;
  for (size_t link = 0; link < sample.nvlink_up.size(); ++link) {
    if (!sample.nvlink_up[link]) core::StrAppend(&down, down.empty() ? "" : ", ", link);
  }
  if (!down.empty()) {
    verdicts.Add(kGpuNvlinkWatch, Finding{.reason = "NvlinkDown",
                                          .message = core::StrCat("NVLink links down: ", down),
                                          .fatal = true,
                                          .action = RecommendedAction::kComponentReset});
  }
  if ((sample.throttle_reasons & nvml::kThrottleThermalMask) != 0) {
    std::string message = "clocks slowed down for heat";
    if (sample.temperature_c.has_value()) {
      core::StrAppend(&message, " at ", *sample.temperature_c, " C");
    }
    verdicts.Add(kGpuThermalWatch, Finding{.reason = "ThermalSlowdown",
                                           .message = std::move(message),
                                           .fatal = false,
                                           .action = RecommendedAction::kNone});
  }
  if (!sample.inforom_valid) {
    verdicts.Add(kGpuInforomWatch, Finding{.reason = "InforomCorrupt",
                                           .message = "InfoROM is corrupted",
                                           .fatal = false,
                                           .action = RecommendedAction::kContactSupport});
  }
}

}  // namespace

GpuHealth AssessGpuHealth(const nvml::GpuInfo& gpu, const nvml::GpuSample& sample,
                          std::span<const nvml::XidEvent> recent_xids, const XidCatalog& catalog) {
  Verdicts verdicts;
  std::vector<uint32_t> codes;
  AddXidFindings(gpu, recent_xids, catalog, verdicts, codes);

  std::string unreadable_detail;
  switch (sample.unresponsive) {
    case nvml::Unresponsive::kNo:
      AddSampleFindings(sample, verdicts);
      break;
    case nvml::Unresponsive::kFallenOffBus:
      verdicts.Add(kGpuPcieWatch, Finding{.reason = "FallenOffBus",
                                          .message = core::StrCat("GPU ", gpu.pci_bus_id,
                                                                  " is gone from the PCIe bus: ",
                                                                  sample.unresponsive_detail),
                                          .fatal = true,
                                          .action = RecommendedAction::kRestartBm});
      unreadable_detail = "the GPU has fallen off the bus";
      verdicts.MarkUnreadable(kGpuDriverWatch);
      break;
    case nvml::Unresponsive::kDriverHang:
      verdicts.Add(kGpuDriverWatch, Finding{.reason = "DriverNotResponding",
                                            .message = core::StrCat(
                                                "the driver does not answer for GPU ",
                                                gpu.pci_bus_id, ": ", sample.unresponsive_detail),
                                            .fatal = true,
                                            .action = RecommendedAction::kRestartBm});
      unreadable_detail = "the driver does not answer";
      verdicts.MarkUnreadable(kGpuPcieWatch);
      break;
    case nvml::Unresponsive::kResetting:
      // No verdict while it resets; the reading after it tells.
      unreadable_detail = "the GPU is being reset";
      verdicts.MarkUnreadable(kGpuPcieWatch);
      verdicts.MarkUnreadable(kGpuDriverWatch);
      break;
  }
  if (!sample.responsive()) {
    for (std::string_view check :
         {kGpuMemWatch, kGpuNvlinkWatch, kGpuThermalWatch, kGpuInforomWatch}) {
      verdicts.MarkUnreadable(check);
    }
  }

  GpuHealth health = std::move(verdicts).Finish(unreadable_detail);
  health.xids = std::move(codes);
  return health;
}

}  // namespace nvsx::health
