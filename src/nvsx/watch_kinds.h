#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nvsx/runbook.h"

namespace nvsx::op {

// What a runbook may write for one watch kind: its YAML name, the fields it
// needs, and the fields it may have. One table; the loader and docs read it.
struct WatchKindSpec {
  WatchKind kind;
  std::string_view name;  // as written in YAML: "node-condition"
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
  std::string_view meaning;
};

std::span<const WatchKindSpec> WatchKindSpecs();
const WatchKindSpec* FindWatchKind(std::string_view name);
const WatchKindSpec& SpecOf(WatchKind kind);

}  // namespace nvsx::op
