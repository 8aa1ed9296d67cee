// nvsentinel: the multi-call binary of the health-event pipeline (one image).
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "nvsx_version.h"

namespace {

constexpr int kExitBadInput = 2;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nvsentinel: GPU health events for Kubernetes", "nvsentinel"};
  app.set_version_flag("--version", std::string("nvsentinel ") + nvsx::kVersion);
  app.require_subcommand(1, 1);
  CLI::App* version = app.add_subcommand("version", "Print the version");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadInput;
  }
  if (*version) std::printf("nvsentinel %s\n", nvsx::kVersion);
  return 0;
}
