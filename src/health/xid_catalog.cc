#include "health/xid_catalog.h"

#include <algorithm>
#include <array>

#include "core/str_cat.h"
#include "health/check_types.h"

namespace nvsx::health {
namespace {

using enum RecommendedAction;

constexpr bool kFatal = true;
constexpr bool kNonFatal = false;
constexpr bool kApp = true;
constexpr bool kHw = false;

// Sources: NVIDIA's "XID Errors" guide and its Xid catalog (resolution buckets
// for Ampere and newer), and the dynamic page retirement / row remapping
// guides. Text is ours.
// clang-format off
constexpr std::array<XidInfo, 22> kXidTable = {{
  // code  meaning                                                   fatal      action           check             app
  {8,   "GPU stopped processing (channel idle timeout)",            kNonFatal, kRestartApp,     kSysLogsXidError, kHw},
  {13,  "graphics engine exception (often an out-of-range access in the application)",
                                                                   kNonFatal, kRestartApp,     kSysLogsXidError, kApp},
  {31,  "GPU memory page fault (often an illegal address in the application)",
                                                                   kNonFatal, kRestartApp,     kSysLogsXidError, kApp},
  {32,  "invalid or corrupted push buffer stream",                  kNonFatal, kRestartApp,     kSysLogsXidError, kHw},
  {43,  "GPU stopped processing the application's work",            kNonFatal, kRestartApp,     kSysLogsXidError, kApp},
  {45,  "preemptive cleanup after an earlier error or a killed application",
                                                                   kNonFatal, kNone,           kSysLogsXidError, kApp},
  {48,  "double-bit (uncorrectable) ECC error",                     kFatal,    kComponentReset, kGpuMemWatch,     kHw},
  {62,  "internal micro-controller halted",                         kFatal,    kComponentReset, kSysLogsXidError, kHw},
  {63,  "memory page retired or row remap recorded; a GPU reset applies it",
                                                                   kNonFatal, kComponentReset, kGpuMemWatch,     kHw},
  {64,  "page retirement or row remap failed (no spare memory rows)",
                                                                   kFatal,    kContactSupport, kGpuMemWatch,     kHw},
  {69,  "graphics engine class error",                              kNonFatal, kRestartApp,     kSysLogsXidError, kHw},
  {74,  "NVLink error",                                             kFatal,    kComponentReset, kGpuNvlinkWatch,  kHw},
  {79,  "GPU has fallen off the bus",                               kFatal,    kRestartBm,      kGpuPcieWatch,    kHw},
  {92,  "high single-bit ECC error rate",                           kNonFatal, kNone,           kGpuMemWatch,     kHw},
  {94,  "contained ECC error: the affected application was stopped, the GPU goes on",
                                                                   kNonFatal, kRestartApp,     kGpuMemWatch,     kHw},
  {95,  "uncontained ECC error: memory may be corrupt for every application",
                                                                   kFatal,    kComponentReset, kGpuMemWatch,     kHw},
  {109, "context switch timeout",                                   kNonFatal, kRestartApp,     kSysLogsXidError, kHw},
  {119, "GSP firmware RPC timeout",                                 kFatal,    kComponentReset, kGpuDriverWatch,  kHw},
  {120, "GSP firmware error",                                       kFatal,    kComponentReset, kGpuDriverWatch,  kHw},
  {121, "chip-to-chip (C2C) link error",                            kFatal,    kComponentReset, kGpuNvlinkWatch,  kHw},
  {140, "unrecovered ECC error",                                    kFatal,    kComponentReset, kGpuMemWatch,     kHw},
  {154, "GPU recovery action changed (the driver asks for a reset or reboot)",
                                                                   kNonFatal, kNone,           kSysLogsXidError, kHw},
}};
// clang-format on

}  // namespace

XidCatalog XidCatalog::Default() {
  auto catalog = Create(std::vector<XidInfo>(kXidTable.begin(), kXidTable.end()));
  // The built-in table is checked by the tests; it cannot fail here.
  return *std::move(catalog);
}

absl::StatusOr<XidCatalog> XidCatalog::Create(std::vector<XidInfo> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const XidInfo& a, const XidInfo& b) { return a.code < b.code; });
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0 && entries[i].code == entries[i - 1].code) {
      return absl::InvalidArgumentError(
          core::StrCat("XID catalog lists XID ", entries[i].code, " twice"));
    }
    if (entries[i].check.empty()) {
      return absl::InvalidArgumentError(
          core::StrCat("XID catalog entry ", entries[i].code, " has no check"));
    }
    entries[i].known = true;
  }
  return XidCatalog(std::move(entries));
}

XidInfo XidCatalog::Lookup(uint32_t code) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), code,
                             [](const XidInfo& entry, uint32_t c) { return entry.code < c; });
  if (it != entries_.end() && it->code == code) return *it;
  return XidInfo{.code = code,
                 .meaning = "not in the XID catalog",
                 .fatal = false,
                 .action = RecommendedAction::kUnknown,
                 .check = kSysLogsXidError,
                 .implicates_application = false,
                 .known = false};
}

}  // namespace nvsx::health
