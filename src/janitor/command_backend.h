#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/environment.h"
#include "janitor/janitor_backend.h"

namespace nvsx::janitor {

struct CommandBackendOptions {
  // Run as REBOOT_COMMAND NODE, or REBOOT_COMMAND NODE --force for a
  // RebootNode with spec.force; exit 0 means the reboot was requested.
  std::string reboot_command;
  // Run as RESET_COMMAND NODE [GPU_UUID...] (no UUIDs: every GPU); exit 0
  // means the GPUs were reset. Empty: GPU resets fail, saying so.
  std::string reset_command;
  // A command still running after this long is killed (its process group)
  // and the request fails.
  absl::Duration timeout = absl::Minutes(2);
  // The commands' whole environment (e.g. the janitor's own, for credentials).
  core::Environment env;
};

// OK when `path` is an executable file; otherwise kInvalidArgument naming
// `what` (e.g. "--reboot-command") and the fix.
absl::Status CheckExecutable(std::string_view what, const std::string& path);

// `--backend command`: runs a configured program (an IPMI or cloud CLI, a
// script) with the node name as its argument, never through a shell. A
// failure's message carries the command's exit status and the tail of its
// stderr and stdout.
class CommandBackend final : public JanitorBackend {
 public:
  // kInvalidArgument when a command is not an executable file (named as
  // "reboot command" / "reset command").
  static absl::StatusOr<std::unique_ptr<CommandBackend>> Create(CommandBackendOptions options);

  std::string_view name() const override { return "command"; }
  absl::Status RebootNode(const std::string& node, bool force) override;
  absl::Status ResetGpus(const std::string& node, const std::vector<std::string>& gpus) override;

 private:
  explicit CommandBackend(CommandBackendOptions options) : options_(std::move(options)) {}
  absl::Status Run(std::string_view what, std::vector<std::string> argv) const;

  const CommandBackendOptions options_;
};

}  // namespace nvsx::janitor
