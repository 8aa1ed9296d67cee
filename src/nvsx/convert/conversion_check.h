#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/environment.h"
#include "nvsx/convert/conversion.h"

namespace nvsx::convert {

struct CheckTools {
  std::filesystem::path shellcheck;      // the shellcheck program
  core::Environment env;                 // its environment
  std::filesystem::path scratch_parent;  // where a draft is laid out to be checked, then removed
};

// Every problem with `conversion`, one line each; empty when it is valid. The
// runbook must load with the runbook validator, be named after its slug, have
// no actions (a converted runbook watches; it never acts on the cluster), and
// use only hooks of its own, all of them; the hooks must pass shellcheck
// (warnings and errors) and must not run cluster actions. An error means the
// check itself could not run.
absl::StatusOr<std::vector<std::string>> FindProblems(const Conversion& conversion,
                                                      const CheckTools& tools);

// shellcheck on env's PATH, or FailedPrecondition saying how to install it.
absl::StatusOr<std::filesystem::path> FindShellcheck(const core::Environment& env);

}  // namespace nvsx::convert
