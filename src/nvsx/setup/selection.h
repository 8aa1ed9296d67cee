#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nvsx/setup/starter_set.h"

namespace nvsx::setup {

// Which starters an answer picks: "all" (or an empty answer), "none", or a
// comma- or space-separated list of 1-based numbers and slugs ("1,3",
// "gpu-off-bus inforom"). Returns the starters in the order of `starters`,
// each once; InvalidArgument names an unknown entry and lists the slugs.
absl::StatusOr<std::vector<StarterRunbook>> ParseSelection(
    std::string_view answer, const std::vector<StarterRunbook>& starters);

}  // namespace nvsx::setup
