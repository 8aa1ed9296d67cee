#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/environment.h"
#include "kube/rest_client.h"
#include "nvsx/mongo_shell.h"
#include "nvsx/run_store.h"
#include "nvsx/runbook_catalog.h"

namespace nvsx::cmd {

// What every nvsx command shares: the global flags and where things live.
struct NvsxContext {
  core::Environment env;
  std::optional<std::string> runbooks_dir;  // --runbooks
  std::string kubeconfig;                   // --kubeconfig
  std::string kube_context;                 // --context
  std::optional<std::string> log_level;     // --log-level
  core::SystemClock clock;

  // Where the runbooks are (see op::LocateRunbooks).
  absl::StatusOr<op::RunbookLocation> Runbooks() const;
  absl::StatusOr<op::Runbook> LoadRunbook(const std::string& slug) const;

  // Where runs are recorded: $NVSX_STATE_DIR, else .nvsx in the project root
  // (a project found by --runbooks, NVSX_PROJECT_ROOT or ./runbooks), else
  // $XDG_STATE_HOME/nvsx or ~/.local/state/nvsx.
  std::filesystem::path StateDir() const;
  absl::StatusOr<std::unique_ptr<op::RunStore>> OpenRunStore() const;

  // A client for the cluster, configured as kubectl would be.
  absl::StatusOr<std::unique_ptr<kube::RestClient>> Connect();

  // How kubectl reaches NVSentinel's legacy MongoDB: the same kubeconfig and
  // context as Connect(), the default namespace, pod selector and database.
  op::MongoShellOptions MongoShell() const;
};

}  // namespace nvsx::cmd
