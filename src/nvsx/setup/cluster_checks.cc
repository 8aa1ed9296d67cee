#include "nvsx/setup/cluster_checks.h"

#include "absl/strings/str_join.h"
#include "core/str_cat.h"
#include "kube/api_error.h"

namespace nvsx::setup {
namespace {

using nlohmann::json;

// The Lease the active nvsentinel controller holds.
const kube::ResourceRef kControllerLease{"coordination.k8s.io",   "v1", "leases", "nvsentinel",
                                         "nvsentinel-controller", ""};

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

Check CheckNvsentinelPods(kube::RestClient& client) {
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

}  // namespace

std::string FormatCheck(const Check& check) {
  const char* mark = check.verdict == Verdict::kOk     ? "ok  "
                     : check.verdict == Verdict::kWarn ? "warn"
                                                       : "FAIL";
  std::string name = check.name;
  if (name.size() < 40) name.resize(40, ' ');
  return core::StrCat(mark, "  ", name, " ", check.detail);
}

Check CheckKubeContext(const kube::RestClient& client) {
  const kube::RestConfig& config = client.config();
  const std::string context = config.context.empty() ? "(in-cluster)" : config.context;
  return {Verdict::kOk, "kube context", core::StrCat(context, " at ", config.server)};
}

Check CheckApiServer(kube::RestClient& client) {
  absl::StatusOr<json> version = client.Do("GET", "/version", {}, std::nullopt);
  if (!version.ok()) {
    return {Verdict::kFail, "API server",
            core::StrCat(client.config().server, ": ", version.status().message())};
  }
  return {Verdict::kOk, "API server",
          core::StrCat(client.config().server, " (", version->value("gitVersion", "?"), ")")};
}

std::vector<Check> CheckNvsentinel(kube::RestClient& client, absl::Time now) {
  return {
      CheckCrd(client, "healthevents.nvsentinel.nvidia.com", Verdict::kFail,
               "kubectl apply -k deploy/crds"),
      CheckCrd(client, "rebootnodes.janitor.dgxc.nvidia.com", Verdict::kWarn,
               "remediate stages that watch RebootNodes will wait forever"),
      CheckCrd(client, "gpuresets.janitor.dgxc.nvidia.com", Verdict::kWarn,
               "remediate stages that watch GPUResets will wait forever"),
      CheckController(client, now),
      CheckNvsentinelPods(client),
  };
}

Check CheckRunbooks(const absl::StatusOr<op::RunbookLocation>& location) {
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

}  // namespace nvsx::setup
