// nvsentinel: the multi-call binary of the health-event pipeline (one image).
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "common/program.h"
#include "core/environment.h"
#include "nvsentinel/controller_command.h"
#include "nvsentinel/device_api_command.h"
#include "nvsentinel/health_provider_command.h"
#include "nvsentinel/janitor_command.h"
#include "nvsentinel/publisher_command.h"
#include "nvsentinel/sim_command.h"
#include "nvsx_version.h"

int main(int argc, char** argv) {
  nvsx::cmd::BlockTerminationSignals();
  const nvsx::core::Environment env = nvsx::core::Environment::FromProcess();
  CLI::App app{"nvsentinel: GPU health events for Kubernetes", "nvsentinel"};
  app.set_version_flag("--version", std::string("nvsentinel ") + nvsx::kVersion);
  app.require_subcommand(1, 1);
  // Each registration returns its runner: -1 when its subcommand was not chosen.
  std::vector<std::function<int()>> commands = {
      nvsx::cmd::AddControllerCommand(app, env),     nvsx::cmd::AddDeviceApiCommand(app, env),
      nvsx::cmd::AddHealthProviderCommand(app, env), nvsx::cmd::AddJanitorCommand(app, env),
      nvsx::cmd::AddPublisherCommand(app, env),      nvsx::cmd::AddSimCommand(app, env),
  };
  CLI::App* version = app.add_subcommand("version", "Print the version");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? nvsx::cmd::kExitOk : nvsx::cmd::kExitBadInput;
  }
  if (*version) {
    std::printf("nvsentinel %s\n", nvsx::kVersion);
    return nvsx::cmd::kExitOk;
  }
  for (const auto& command : commands) {
    if (int rc = command(); rc >= 0) return rc;
  }
  return nvsx::cmd::kExitBadInput;
}
