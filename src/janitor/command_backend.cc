#include "janitor/command_backend.h"

#include <unistd.h>

#include <filesystem>

#include "core/str_cat.h"
#include "core/subprocess.h"
#include "core/text.h"

namespace nvsx::janitor {
namespace {

// Output kept in a failure message, per stream: the end, where errors are.
constexpr size_t kOutputInMessage = 1024;

// The stream's text without surrounding whitespace, its tail when long.
std::string Excerpt(const std::string& text) {
  std::string_view trimmed = core::TrimWhitespace(text);
  if (trimmed.size() <= kOutputInMessage) return std::string(trimmed);
  return core::StrCat("...", trimmed.substr(trimmed.size() - kOutputInMessage));
}

}  // namespace

absl::Status CheckExecutable(std::string_view what, const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error) || ::access(path.c_str(), X_OK) != 0) {
    return absl::InvalidArgumentError(
        core::StrCat(what, ": \"", path, "\" is not an executable file; give the path of the ",
                     "program to run (it gets the node name as its first argument)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CommandBackend>> CommandBackend::Create(
    CommandBackendOptions options) {
  if (absl::Status ok = CheckExecutable("reboot command", options.reboot_command); !ok.ok()) {
    return ok;
  }
  if (!options.reset_command.empty()) {
    if (absl::Status ok = CheckExecutable("reset command", options.reset_command); !ok.ok()) {
      return ok;
    }
  }
  return std::unique_ptr<CommandBackend>(new CommandBackend(std::move(options)));
}

absl::Status CommandBackend::RebootNode(const std::string& node, bool force) {
  std::vector<std::string> argv = {options_.reboot_command, node};
  if (force) argv.push_back("--force");
  return Run("reboot command", std::move(argv));
}

absl::Status CommandBackend::ResetGpus(const std::string& node,
                                       const std::vector<std::string>& gpus) {
  if (options_.reset_command.empty()) {
    return absl::FailedPreconditionError(
        "this janitor has no reset command (--reset-command PATH), so it cannot reset GPUs");
  }
  std::vector<std::string> argv = {options_.reset_command, node};
  argv.insert(argv.end(), gpus.begin(), gpus.end());
  return Run("reset command", std::move(argv));
}

absl::Status CommandBackend::Run(std::string_view what, std::vector<std::string> argv) const {
  core::SubprocessOptions options;
  options.argv = std::move(argv);
  options.env = options_.env;
  options.timeout = options_.timeout;
  options.capture_limit = 16 * 1024;
  const std::string command_line = [&] {
    std::string line;
    for (const std::string& arg : options.argv)
      core::StrAppend(&line, line.empty() ? "" : " ", arg);
    return line;
  }();
  absl::StatusOr<core::SubprocessResult> result = core::RunSubprocess(options);
  if (!result.ok()) {
    return absl::FailedPreconditionError(
        core::StrCat(what, " `", command_line, "` could not start: ", result.status().message()));
  }
  if (result->Succeeded()) return absl::OkStatus();
  std::string message = core::StrCat(what, " `", command_line, "` ", result->Describe());
  const std::string err = Excerpt(result->stderr_text);
  const std::string out = Excerpt(result->stdout_text);
  if (!err.empty()) core::StrAppend(&message, "; stderr: ", err);
  if (!out.empty()) core::StrAppend(&message, "; stdout: ", out);
  return result->timed_out ? absl::DeadlineExceededError(message) : absl::AbortedError(message);
}

}  // namespace nvsx::janitor
