// nvsx doctor: is everything a run needs in place?
#include <memory>
#include <string>
#include <vector>

#include "common/program.h"
#include "core/str_cat.h"
#include "nvsx/commands.h"
#include "nvsx/setup/cluster_checks.h"
#include "nvsx/setup/gpu_nodes.h"

namespace nvsx::cmd {
namespace {

using setup::Check;
using setup::Verdict;

int Doctor(NvsxContext& context) {
  std::vector<Check> checks;
  absl::StatusOr<std::unique_ptr<kube::RestClient>> client = context.Connect();
  if (!client.ok()) {
    checks.push_back({Verdict::kFail, "kube context", std::string(client.status().message())});
  } else {
    checks.push_back(setup::CheckKubeContext(**client));
    checks.push_back(setup::CheckApiServer(**client));
    if (checks.back().verdict == Verdict::kOk) {
      for (Check& check : setup::CheckNvsentinel(**client, context.clock.Now())) {
        checks.push_back(std::move(check));
      }
      checks.push_back(setup::SummarizeGpuNodes(setup::DiscoverGpuNodes(**client)));
    }
  }
  checks.push_back(setup::CheckRunbooks(context.Runbooks()));
  int failures = 0;
  for (const Check& check : checks) {
    failures += check.verdict == Verdict::kFail;
    std::printf("%s\n", setup::FormatCheck(check).c_str());
  }
  std::printf("%s\n", failures == 0
                          ? "nvsx doctor: ready"
                          : core::StrCat("nvsx doctor: ", failures, " problem(s)").c_str());
  return failures == 0 ? kExitOk : kExitFailed;
}

}  // namespace

std::function<int()> AddDoctorCommand(CLI::App& app, NvsxContext& context) {
  CLI::App* command = app.add_subcommand(
      "doctor", "Check the kube context, API, CRDs, controllers, GPU nodes and runbooks");
  return [command, &context] { return *command ? Doctor(context) : -1; };
}

}  // namespace nvsx::cmd
