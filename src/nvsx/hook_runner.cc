#include "nvsx/hook_runner.h"

#include "core/str_cat.h"

namespace nvsx::op {

core::Environment HookEnvironment(const core::Environment& base, const HookContext& context) {
  core::Environment env = base;
  env.Set("NVSX_STAGE", context.stage);
  env.Set("NVSX_RUNBOOK", context.runbook);
  env.Set("NVSX_TARGET_NODE", context.target_node);
  env.Set("NVSX_ALIAS", context.alias);
  env.Set("NVSX_RUN_ID", context.run_id);
  env.Set("NVSX_ELAPSED_MS", core::StrCat(absl::ToInt64Milliseconds(context.elapsed)));
  env.Set("NVSX_PROJECT_ROOT", context.project_root.string());
  if (!context.artifact_dir.empty()) env.Set("NVSX_ARTIFACT_DIR", context.artifact_dir.string());
  return env;
}

absl::StatusOr<core::SubprocessResult> RunHook(const std::filesystem::path& script,
                                               const std::vector<std::string>& args,
                                               const core::Environment& base,
                                               const HookContext& context, absl::Duration timeout) {
  core::SubprocessOptions options;
  options.argv.push_back(script.string());
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = HookEnvironment(base, context);
  options.working_dir = context.project_root;
  options.timeout = timeout;
  options.capture_limit = 16 * 1024;  // the tail is what the renderers show
  return core::RunSubprocess(options);
}

}  // namespace nvsx::op
