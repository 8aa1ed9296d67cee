// nvsx: the operator's tool for GPU fault runbooks.
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "common/program.h"
#include "nvsx/commands.h"
#include "nvsx_version.h"

int main(int argc, char** argv) {
  using namespace nvsx::cmd;
  // Before any thread starts: runs take SIGINT/SIGTERM on a watcher thread.
  BlockTerminationSignals();
  NvsxContext context;
  context.env = nvsx::core::Environment::FromProcess();

  CLI::App app{
      "nvsx: GPU fault runbooks for Kubernetes.\n"
      "With no command: an interactive shell. Exit codes: 0 pass, 1 a stage failed,\n"
      "2 bad input, 3 a dependency is unavailable, 130 interrupted.",
      "nvsx"};
  app.set_version_flag("--version", std::string("nvsx ") + nvsx::kVersion);
  app.require_subcommand(0, 1);
  app.add_option(
      "--runbooks", context.runbooks_dir,
      "Runbook folder (default: $NVSX_PROJECT_ROOT/runbooks, ./runbooks, the installed set)");
  app.add_option("--kubeconfig", context.kubeconfig,
                 "Kubeconfig file (default: as kubectl finds it)");
  app.add_option("--context", context.kube_context,
                 "Kubeconfig context (default: the current one)");
  app.add_option("--log-level", context.log_level, "debug, info, warn or error");

  const std::vector<std::function<int()>> commands = {
      AddListCommand(app, context),   AddShowCommand(app, context),
      AddRunCommand(app, context),    AddHistoryCommand(app, context),
      AddReportCommand(app, context), AddInitCommand(app, context),
      AddDoctorCommand(app, context), AddDemoCommand(app, context),
      AddSetupCommand(app, context),  AddConvertCommand(app, context),
      AddServeCommand(app, context),
  };
  CLI::App* version = app.add_subcommand("version", "Print the version");
  app.add_subcommand("shell", "The interactive shell (what nvsx with no command opens)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitBadInput;
  }
  if (*version) {
    std::printf("nvsx %s\n", nvsx::kVersion);
    return kExitOk;
  }
  for (const auto& command : commands) {
    if (const int rc = command(); rc >= 0) return rc;
  }
  return RunShell(context);  // `nvsx shell`, or no command
}
