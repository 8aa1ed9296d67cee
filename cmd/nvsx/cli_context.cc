#include "nvsx/cli_context.h"

#include <system_error>

#include "core/str_cat.h"
#include "kube/connect.h"
#include "nvsx_version.h"

namespace nvsx::cmd {

namespace fs = std::filesystem;

absl::StatusOr<op::RunbookLocation> NvsxContext::Runbooks() const {
  op::RunbookSearch search;
  if (runbooks_dir) search.flag_dir = fs::path(*runbooks_dir);
  search.env = env;
  std::error_code error;
  search.cwd = fs::current_path(error);
  search.installed_dir = fs::path(kInstalledDataDir) / "runbooks";
  return op::LocateRunbooks(search);
}

absl::StatusOr<op::Runbook> NvsxContext::LoadRunbook(const std::string& slug) const {
  absl::StatusOr<op::RunbookLocation> location = Runbooks();
  if (!location.ok()) return location.status();
  return op::LoadRunbookBySlug(*location, slug);
}

fs::path NvsxContext::StateDir() const {
  if (auto dir = env.Get("NVSX_STATE_DIR"); dir && !dir->empty()) return *dir;
  if (absl::StatusOr<op::RunbookLocation> location = Runbooks();
      location.ok() && location->origin != "installed") {
    return location->project_root / ".nvsx";
  }
  if (auto xdg = env.Get("XDG_STATE_HOME"); xdg && !xdg->empty()) return fs::path(*xdg) / "nvsx";
  return fs::path(env.Get("HOME").value_or("/tmp")) / ".local" / "state" / "nvsx";
}

absl::StatusOr<std::unique_ptr<op::RunStore>> NvsxContext::OpenRunStore() const {
  const fs::path dir = StateDir();
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(core::StrCat("state folder ", dir.string(), ": ",
                                                      error.message(),
                                                      "; set NVSX_STATE_DIR to a writable folder"));
  }
  return op::RunStore::Open(dir / "runs.db");
}

absl::StatusOr<std::unique_ptr<kube::RestClient>> NvsxContext::Connect() {
  kube::ConfigLoadOptions load;
  load.kubeconfig = kubeconfig;
  load.context = kube_context;
  load.env = env;
  kube::RestClientOptions options;
  options.clock = &clock;
  options.qps = 50;  // a handful of lists and watches per run
  options.burst = 100;
  options.env = env;
  options.user_agent = core::StrCat("nvsx/", kVersion);
  return kube::ConnectLikeKubectl(load, std::move(options));
}

op::MongoShellOptions NvsxContext::MongoShell() const {
  op::MongoShellOptions options;
  if (!kubeconfig.empty()) options.kubeconfig = fs::absolute(kubeconfig).string();
  options.context = kube_context;
  options.env = env;
  return options;
}

}  // namespace nvsx::cmd
