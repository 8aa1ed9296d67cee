#include "nvsx/demo/demo_faults.h"

#include <array>

#include "core/str_cat.h"

namespace nvsx::op {
namespace {

constexpr std::array<DemoFault, 6> kFaults = {{
    {"xid79", "gpu-off-bus", "XID 79: the GPU fell off the bus", "--xid", "79"},
    {"ecc", "ecc-double-bit", "double-bit ECC error (XID 48)", "--fault", "ecc"},
    {"nvlink", "nvlink-failure", "NVLink down (XID 74)", "--fault", "nvlink"},
    {"driver-hang", "driver-hang", "the driver stops answering", "--fault", "driver-hang"},
    {"thermal", "thermal-throttle", "a thermal slowdown (the GPU runs hot)", "--fault", "thermal",
     "recover", "the GPU cools down"},
    {"inforom", "inforom", "a corrupted InfoROM", "--fault", "inforom", "recover",
     "the hardware team swaps the GPU"},
}};

}  // namespace

std::span<const DemoFault> DemoFaults() { return kFaults; }

absl::StatusOr<DemoFault> FindDemoFault(std::string_view name) {
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

std::vector<std::string> HealArgs(const std::string& node, int gpu) {
  return {"--node", node, "--gpu", core::StrCat(gpu), "--clear"};
}

}  // namespace nvsx::op
