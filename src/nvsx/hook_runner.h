#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/environment.h"
#include "core/subprocess.h"

namespace nvsx::op {

// What a hook or action learns about the run, as NVSX_* variables.
struct HookContext {
  std::string stage;
  std::string runbook;
  std::string target_node;
  std::string alias;
  std::string run_id;
  absl::Duration elapsed;  // since the stage began
  std::filesystem::path project_root;
  std::filesystem::path artifact_dir;  // where postmortem hooks leave what they collect
};

// The hook's environment: the operator's own (so SLACK_WEBHOOK_URL and the
// like reach it) plus NVSX_STAGE, NVSX_RUNBOOK, NVSX_TARGET_NODE,
// NVSX_ELAPSED_MS, NVSX_PROJECT_ROOT, NVSX_RUN_ID, NVSX_ALIAS and (when set)
// NVSX_ARTIFACT_DIR.
core::Environment HookEnvironment(const core::Environment& base, const HookContext& context);

// Runs `script` with `args` directly (execve; no shell ever parses them), in
// the project root, killing its whole process group at `timeout`.
absl::StatusOr<core::SubprocessResult> RunHook(const std::filesystem::path& script,
                                               const std::vector<std::string>& args,
                                               const core::Environment& base,
                                               const HookContext& context, absl::Duration timeout);

}  // namespace nvsx::op
