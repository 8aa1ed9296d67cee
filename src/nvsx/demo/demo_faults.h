#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace nvsx::op {

// A fault `nvsx demo --fault NAME` injects, and the starter runbook that
// answers it. A fault the chain does not fix itself (heat, a corrupted
// InfoROM) heals when the runbook reaches `heals_at`: the demo's stand-in
// for the GPU cooling down or being swapped.
struct DemoFault {
  std::string_view name;     // "xid79", "ecc", ...
  std::string_view runbook;  // the starter runbook's slug
  std::string_view what;     // "XID 79: the GPU fell off the bus"
  // `nvsentinel sim inject` arguments that cause it: "--xid 79" or "--fault ecc".
  std::string_view inject_flag;
  std::string_view inject_value;
  std::string_view heals_at = "";  // a stage id; empty: the chain remediates it
  std::string_view healing = "";   // what the healing stands for: "the GPU cools down"
};

std::span<const DemoFault> DemoFaults();

// The fault called `name`; InvalidArgument listing the names otherwise.
absl::StatusOr<DemoFault> FindDemoFault(std::string_view name);

// The `nvsentinel sim inject` arguments that put `fault` on GPU `gpu` of `node`.
std::vector<std::string> InjectArgs(const DemoFault& fault, const std::string& node, int gpu);

// The `nvsentinel sim inject` arguments that heal GPU `gpu` of `node`.
std::vector<std::string> HealArgs(const std::string& node, int gpu);

}  // namespace nvsx::op
