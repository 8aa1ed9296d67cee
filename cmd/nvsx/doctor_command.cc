// nvsx doctor: is everything a run needs in place?
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "common/program.h"
#include "core/str_cat.h"
#include "kube/api_error.h"
#include "nvsx/commands.h"

namespace nvsx::cmd {
namespace {

using nlohmann::json;

enum class Verdict { kOk, kWarn, kFail };

struct Check {
  Verdict verdict;
  std::string name;
  std::string detail;
};

// The Lease the active nvsentinel controller holds.
const kube::ResourceRef kControllerLease{"coordination.k8s.io",   "v1", "leases", "nvsentinel",
                                         "nvsentinel-controller", ""};

Check CheckApi(kube::RestClient& client) {
  absl::StatusOr<json> version = client.Do("GET", "/version", {}, std::nullopt);
  if (!version.ok()) {
    return {Verdict::kFail, "API server",
            core::StrCat(client.config().server, ": ", version.status().message())};
  }
  return {Verdict::kOk, "API server",
          core::StrCat(client.config().server, " (", version->value("gitVersion", "?"), ")")};
}

Check CheckCrd(kube::RestClient& client, const std::string& name, Verdict when_missing,
               const std::string& why) {
  absl::StatusOr<json> crd =
      client.Get({"apiextensions.k8s.io", "v1", "customresourcedefinitions", "", name, ""});
  if (crd.ok()) return {Verdict::kOk, "CRD " + name, "installed"};
  if (kube::apierrors::IsNotFound(crd.status())) {
    return {when_missing, "CRD " + name, core::StrCat("missing: ", why)};
  }
  return {Verdict::kFail, "CRD " + name, std::string(crd.status().message())};
}

Check CheckController(kube::RestClient& client, absl::Time now) {
  absl::StatusOr<json> lease = client.Get(kControllerLease);
  if (!lease.ok()) {
    return {Verdict::kWarn, "controllers",
            "no controller holds Lease nvsentinel/nvsentinel-controller: HealthEvents will not "
            "move (start `nvsentinel controller`)"};
  }
  const json spec = lease->value("spec", json::object());
  const std::string holder = spec.value("holderIdentity", "");
  absl::Time renewed;
  std::string error;
  const bool fresh =
      absl::ParseTime(absl::RFC3339_full, spec.value("renewTime", ""), &renewed, &error) &&
      now - renewed < absl::Seconds(2 * spec.value("leaseDurationSeconds", 15));
  if (holder.empty() || !fresh) {
    return {Verdict::kWarn, "controllers", "the controller Lease is not being renewed"};
  }
  return {Verdict::kOk, "controllers", core::StrCat("leader ", holder)};
}

Check CheckNvsentinel(kube::RestClient& client) {
  absl::StatusOr<json> pods = client.ListAll({"", "v1", "pods", "nvsentinel", "", ""});
  if (!pods.ok()) return {Verdict::kWarn, "NVSentinel", std::string(pods.status().message())};
  int running = 0;
  const size_t total = (*pods)["items"].size();
  for (const json& pod : (*pods)["items"]) {
    running += pod.value("status", json::object()).value("phase", "") == "Running";
  }
  if (total == 0) return {Verdict::kOk, "NVSentinel", "no pods in namespace nvsentinel (optional)"};
  return {running == static_cast<int>(total) ? Verdict::kOk : Verdict::kWarn, "NVSentinel",
          core::StrCat(running, "/", total, " pods Running in namespace nvsentinel")};
}

Check CheckGpuNodes(kube::RestClient& client) {
  absl::StatusOr<json> nodes = client.ListAll({"", "v1", "nodes", "", "", ""},
                                              {.label_selector = "nvidia.com/gpu.present=true"});
  if (!nodes.ok()) return {Verdict::kFail, "GPU nodes", std::string(nodes.status().message())};
  int ready = 0, cordoned = 0;
  for (const json& node : (*nodes)["items"]) {
    cordoned += node.value("spec", json::object()).value("unschedulable", false);
    for (const json& condition :
         node.value("status", json::object()).value("conditions", json::array())) {
      ready += condition.value("type", "") == "Ready" && condition.value("status", "") == "True";
    }
  }
  const size_t total = (*nodes)["items"].size();
  if (total == 0) {
    return {Verdict::kFail, "GPU nodes", "none labelled nvidia.com/gpu.present=true"};
  }
  return {Verdict::kOk, "GPU nodes",
          core::StrCat(total, " (", ready, " Ready, ", cordoned, " cordoned)")};
}

Check CheckRunbooks(NvsxContext& context) {
  absl::StatusOr<op::RunbookLocation> location = context.Runbooks();
  if (!location.ok()) return {Verdict::kFail, "runbooks", std::string(location.status().message())};
  int loaded = 0;
  std::vector<std::string> broken;
  for (const op::CatalogEntry& entry : op::LoadCatalog(*location)) {
    if (entry.runbook.ok()) {
      ++loaded;
    } else {
      broken.push_back(std::string(entry.runbook.status().message()));
    }
  }
  const std::string where =
      core::StrCat(location->runbooks_dir.string(), " (", location->origin, ")");
  if (!broken.empty()) {
    return {Verdict::kFail, "runbooks",
            core::StrCat(broken.size(), " do not load in ", where, ":\n    ",
                         absl::StrJoin(broken, "\n    "))};
  }
  return {loaded > 0 ? Verdict::kOk : Verdict::kWarn, "runbooks",
          core::StrCat(loaded, " in ", where)};
}

int Doctor(NvsxContext& context) {
  std::vector<Check> checks;
  absl::StatusOr<std::unique_ptr<kube::RestClient>> client = context.Connect();
  if (!client.ok()) {
    checks.push_back({Verdict::kFail, "kube context", std::string(client.status().message())});
  } else {
    checks.push_back({Verdict::kOk, "kube context", (*client)->config().server});
    checks.push_back(CheckApi(**client));
    if (checks.back().verdict == Verdict::kOk) {
      checks.push_back(CheckCrd(**client, "healthevents.nvsentinel.nvidia.com", Verdict::kFail,
                                "kubectl apply -k deploy/crds"));
      checks.push_back(CheckCrd(**client, "rebootnodes.janitor.dgxc.nvidia.com", Verdict::kWarn,
                                "remediate stages that watch RebootNodes will wait forever"));
      checks.push_back(CheckController(**client, context.clock.Now()));
      checks.push_back(CheckNvsentinel(**client));
      checks.push_back(CheckGpuNodes(**client));
    }
  }
  checks.push_back(CheckRunbooks(context));
  int failures = 0;
  for (const Check& check : checks) {
    const char* mark = check.verdict == Verdict::kOk     ? "ok  "
                       : check.verdict == Verdict::kWarn ? "warn"
                                                         : "FAIL";
    failures += check.verdict == Verdict::kFail;
    std::printf("%s  %-40s %s\n", mark, check.name.c_str(), check.detail.c_str());
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
