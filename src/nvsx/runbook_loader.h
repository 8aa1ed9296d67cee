#pragma once

#include <filesystem>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "nvsx/runbook.h"

namespace nvsx::op {

struct RunbookPaths {
  // The folder the runbook YAML lives in; hooks resolve here first.
  std::filesystem::path runbooks_dir;
  // The project root; action scripts such as scripts/collect-metrics.sh resolve
  // here when they are not under runbooks_dir (as in the original nvsx).
  std::filesystem::path project_root;
};

// Loads and validates a runbook. On failure the InvalidArgument status lists
// every problem found, one per line, each as "file:line:col: field: what is
// wrong; what is allowed".
absl::StatusOr<Runbook> LoadRunbook(const std::filesystem::path& file, const RunbookPaths& paths);

// The same, from text (`source` names it in errors).
absl::StatusOr<Runbook> ParseRunbook(std::string_view text, const std::filesystem::path& source,
                                     const RunbookPaths& paths);

// The {{variables}} narration may use.
std::span<const std::string_view> NarrationVariables();

}  // namespace nvsx::op
