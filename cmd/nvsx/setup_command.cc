// nvsx setup: the first-run wizard (see nvsx/setup/wizard.h).
#include <memory>
#include <system_error>

#include "common/program.h"
#include "nvsx/commands.h"
#include "nvsx/setup/terminal.h"
#include "nvsx/setup/wizard.h"
#include "nvsx_version.h"

namespace nvsx::cmd {
namespace {

namespace fs = std::filesystem;

struct SetupFlags {
  std::string runbooks_dir;
  std::string starters;
  std::vector<std::string> select;
  bool yes = false;
  bool force = false;
};

int Setup(NvsxContext& context, const SetupFlags& flags) {
  setup::SetupOptions options;
  std::error_code error;
  // The installed starter set; in a clone run through ./nvsx (nothing
  // installed), the clone's own runbooks/ are the starters.
  options.starter_dir = fs::path(kInstalledDataDir) / "runbooks";
  if (!flags.starters.empty()) {
    options.starter_dir = flags.starters;
  } else if (auto root = context.env.Get("NVSX_PROJECT_ROOT");
             root && !fs::is_directory(options.starter_dir, error)) {
    options.starter_dir = fs::path(*root) / "runbooks";
  }
  options.runbooks_dir = fs::current_path(error) / "runbooks";
  if (!flags.runbooks_dir.empty()) {
    options.runbooks_dir = flags.runbooks_dir;
  } else if (absl::StatusOr<op::RunbookLocation> location = context.Runbooks();
             location.ok() && location->origin != "installed") {
    options.runbooks_dir = location->runbooks_dir;
  }
  options.yes = flags.yes;
  options.force = flags.force;
  options.select = flags.select;
  options.now = context.clock.Now();

  absl::StatusOr<std::unique_ptr<kube::RestClient>> client = context.Connect();
  setup::ClusterAccess cluster;
  if (client.ok()) {
    cluster.client = client->get();
  } else {
    cluster.connect_error = client.status();
  }
  setup::StdioTerminal terminal(stdin, stdout);
  absl::StatusOr<setup::SetupOutcome> outcome = setup::RunSetupWizard(options, cluster, terminal);
  if (!outcome.ok()) return ReportError("nvsx setup", outcome.status());
  if (outcome->needs_answers) return kExitBadInput;
  return outcome->problems == 0 ? kExitOk : kExitFailed;
}

}  // namespace

std::function<int()> AddSetupCommand(CLI::App& app, NvsxContext& context) {
  auto flags = std::make_shared<SetupFlags>();
  CLI::App* command = app.add_subcommand(
      "setup",
      "First-run wizard: check the kube context, NVSentinel and the controllers, list GPU nodes, "
      "then scaffold starter runbooks (nothing is written without confirmation)");
  command->add_option(
      "--runbooks-dir", flags->runbooks_dir,
      "Where to scaffold (default: the project's runbooks folder, else ./runbooks)");
  command->add_option("--starters", flags->starters,
                      "Where the starter runbooks come from (default: the installed set, else "
                      "$NVSX_PROJECT_ROOT/runbooks)");
  command
      ->add_option("--select", flags->select,
                   "Starter runbooks to scaffold, by name or number (a,b); default: ask, or "
                   "all with --yes")
      ->delimiter(',');
  command->add_flag("--yes,-y", flags->yes,
                    "Answer yes: scaffold without asking (files that differ are kept)");
  command->add_flag("--force", flags->force, "Overwrite files that differ from the starters");
  return [command, flags, &context] { return *command ? Setup(context, *flags) : -1; };
}

}  // namespace nvsx::cmd
