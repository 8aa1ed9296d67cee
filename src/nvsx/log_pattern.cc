#include "nvsx/log_pattern.h"

#include <string>

#include "core/str_cat.h"

namespace nvsx::op {

absl::StatusOr<std::regex> CompileLogPattern(std::string_view pattern) {
  auto flags = std::regex::ECMAScript | std::regex::optimize;
  if (pattern.starts_with("(?i)")) {
    pattern.remove_prefix(4);
    flags |= std::regex::icase;
  }
  if (pattern.empty()) return absl::InvalidArgumentError("an empty pattern matches every line");
  try {
    return std::regex(std::string(pattern), flags);
  } catch (const std::regex_error& error) {
    return absl::InvalidArgumentError(
        core::StrCat("not a regular expression (", error.what(), ")"));
  }
}

}  // namespace nvsx::op
