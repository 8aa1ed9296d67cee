#pragma once

// `nvsx setup`, the first-run wizard: which cluster, is NVSentinel (or our
// controllers) there, which nodes have GPUs, then starter runbooks copied into
// the project. Nothing is written without a yes (asked, or --yes).

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/rest_client.h"
#include "nvsx/setup/terminal.h"

namespace nvsx::setup {

struct SetupOptions {
  std::filesystem::path starter_dir;   // where the starter runbooks come from
  std::filesystem::path runbooks_dir;  // the project's runbooks folder to fill
  // Answer for a script: scaffold (the --select ones, else all) without asking.
  bool yes = false;
  // Overwrite files that exist and differ from the starter's.
  bool force = false;
  // --select: these starters (slugs or numbers) instead of asking which.
  std::vector<std::string> select;
  absl::Time now;
};

// The cluster to check: a client, or why there is none.
struct ClusterAccess {
  kube::RestClient* client = nullptr;
  absl::Status connect_error;
};

struct SetupOutcome {
  int problems = 0;  // checks that failed
  std::vector<std::filesystem::path> written;
  // Input is not a terminal and --yes was not given: nothing was written.
  bool needs_answers = false;
};

// Runs the wizard, talking through `terminal`. Errors are for bad options
// (an unknown --select entry, a missing starter folder) and failed writes;
// a cluster that fails its checks is reported in the outcome instead.
absl::StatusOr<SetupOutcome> RunSetupWizard(const SetupOptions& options,
                                            const ClusterAccess& cluster, Terminal& terminal);

}  // namespace nvsx::setup
