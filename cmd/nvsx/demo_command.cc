// nvsx demo: the end-to-end demo on the embedded cluster.
#include <cstdio>

#include "common/program.h"
#include "nvsx/commands.h"

namespace nvsx::cmd {
namespace {

// The demo needs the controllers and the janitor, which this build does not
// have yet: say what it will do and fail honestly.
int RunDemo() {
  std::fputs(
      "nvsx demo will: start the embedded cluster (nvsentinel sim) with simulated GPU nodes and a\n"
      "workload under a PodDisruptionBudget; start the device API, health provider, publisher,\n"
      "controllers and janitor; inject XID 79 on one GPU; and run the gpu-off-bus runbook while\n"
      "the chain quarantines, drains, reboots and recovers the node, then print the MTTR "
      "breakdown.\n"
      "\n"
      "nvsx demo: not available in this build: the controllers and the janitor it drives are\n"
      "not built yet. The embedded cluster and the runbook runner are: try ./nvsentinel sim\n"
      "and ./nvsx run (see the README), and ./scripts/test to build and test what exists.\n",
      stderr);
  return kExitUnavailable;
}

}  // namespace

std::function<int()> AddDemoCommand(CLI::App& app, NvsxContext&) {
  CLI::App* command = app.add_subcommand(
      "demo", "Run the end-to-end demo on the embedded cluster (XID 79 -> Resolved)");
  return [command] { return *command ? RunDemo() : -1; };
}

}  // namespace nvsx::cmd
