#include "nvsx/demo/demo_faults.h"

#include <array>

#include "core/str_cat.h"

namespace nvsx::op {
namespace {

constexpr std::array<DemoFault, 4> kFaults = {{
    {"xid79", "gpu-off-bus", "XID 79: the GPU fell off the bus", "--xid", "79"},
    {"ecc", "ecc-double-bit", "double-bit ECC error (XID 48)", "--fault", "ecc"},
    {"nvlink", "nvlink-failure", "NVLink down (XID 74)", "--fault", "nvlink"},
    {"driver-hang", "driver-hang", "the driver stops answering", "--fault", "driver-hang"},
}};

}  // namespace

std::span<const DemoFault> DemoFaults() { return kFaults; }

// Faults `nvsentinel sim inject` knows that the demo does not show yet, and why.
struct NotShown {
  std::string_view name;
  std::string_view why;
};
constexpr std::array<NotShown, 2> kNotShown = {{
    {"thermal",
     "not a fatal fault, and the publisher turns only fatal GPU faults into HealthEvents"},
    {"inforom",
     "not a fatal fault, and the publisher turns only fatal GPU faults into HealthEvents"},
}};

absl::StatusOr<DemoFault> FindDemoFault(std::string_view name) {
  for (const NotShown& other : kNotShown) {
    if (name == other.name) {
      return absl::InvalidArgumentError(core::StrCat(
          "--fault ", name, ": not in the demo yet: ", other.why,
          "; use xid79, ecc, nvlink or driver-hang, or inject it on a running sim with "
          "`nvsentinel sim inject`"));
    }
  }
  std::string names;
  for (const DemoFault& fault : kFaults) {
    if (fault.name == name) return fault;
    core::StrAppend(&names, names.empty() ? "" : ", ", fault.name);
  }
  return absl::InvalidArgumentError(
      core::StrCat("--fault ", name, ": not a fault the demo knows; use one of ", names));
}

std::vector<std::string> InjectArgs(const DemoFault& fault, const std::string& node, int gpu) {
  return {"--node",
          node,
          "--gpu",
          core::StrCat(gpu),
          std::string(fault.inject_flag),
          std::string(fault.inject_value)};
}

}  // namespace nvsx::op
