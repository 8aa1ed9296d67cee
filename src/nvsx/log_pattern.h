#pragma once

#include <regex>
#include <string_view>

#include "absl/status/statusor.h"

namespace nvsx::op {

// The `pattern` of a log or training-log watch: a regular expression searched
// for in each log line, as the original nvsx's re.search did. ECMAScript
// syntax, which covers what runbooks write ("step \\d+", "NCCL error|Xid 79");
// a leading "(?i)" makes it case-insensitive, as in Python. InvalidArgument,
// naming what is wrong, for one that does not compile.
absl::StatusOr<std::regex> CompileLogPattern(std::string_view pattern);

}  // namespace nvsx::op
