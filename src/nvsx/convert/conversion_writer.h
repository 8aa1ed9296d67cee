#pragma once

#include <filesystem>
#include <vector>

#include "absl/status/statusor.h"
#include "nvsx/convert/conversion.h"

namespace nvsx::convert {

// Writes <runbooks_dir>/<slug>.yaml and <runbooks_dir>/hooks/<slug>/<hook>
// (executable). Without `force`, nothing is written when any of them exists:
// InvalidArgument names them. Returns the paths written.
absl::StatusOr<std::vector<std::filesystem::path>> WriteConversion(
    const Conversion& conversion, const std::filesystem::path& runbooks_dir, bool force);

}  // namespace nvsx::convert
