// nvsx: the operator's tool for GPU fault runbooks.
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "nvsx_version.h"

namespace {

// Exit codes every nvsx command documents.
constexpr int kExitBadInput = 2;
constexpr int kExitUnavailable = 3;

// The demo needs the publisher, the controllers and the runbook runner, which
// this build does not have yet: say what it will do and fail honestly.
int RunDemo() {
  std::fputs(
      "nvsx demo will: start the embedded cluster (nvsentinel sim) with simulated GPU nodes and a\n"
      "workload under a PodDisruptionBudget; start the device API, health provider, publisher,\n"
      "controllers and janitor; inject XID 79 on one GPU; and run the gpu-off-bus runbook while\n"
      "the chain quarantines, drains, reboots and recovers the node, then print the MTTR "
      "breakdown.\n"
      "\n"
      "nvsx demo: not available in this build: the HealthEvent publisher, the controllers and\n"
      "the runbook runner it drives are not built yet. The embedded cluster is: try\n"
      "./nvsentinel sim (see the README), and ./scripts/test to build and test what exists.\n",
      stderr);
  return kExitUnavailable;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nvsx: GPU fault runbooks for Kubernetes", "nvsx"};
  app.set_version_flag("--version", std::string("nvsx ") + nvsx::kVersion);
  app.require_subcommand(0, 1);
  CLI::App* demo = app.add_subcommand(
      "demo", "Run the end-to-end demo on the embedded cluster (XID 79 -> Resolved)");
  CLI::App* version = app.add_subcommand("version", "Print the version");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadInput;
  }
  if (*demo) return RunDemo();
  if (*version) {
    std::printf("nvsx %s\n", nvsx::kVersion);
    return 0;
  }
  std::fputs(app.help().c_str(), stdout);
  return 0;
}
