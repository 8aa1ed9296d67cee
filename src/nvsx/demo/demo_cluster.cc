#include "nvsx/demo/demo_cluster.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "absl/strings/str_split.h"
#include "core/duration.h"
#include "core/file_io.h"
#include "core/net_address.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "core/subprocess.h"
#include "httplib.h"
#include "kube/connect.h"
#include "kube/types/lease.h"
#include "kube/types/node.h"

namespace nvsx::op {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(50);
constexpr size_t kLogTailLines = 15;

kube::ResourceRef NodesResource() { return {.group = "", .version = "v1", .resource = "nodes"}; }

kube::ResourceRef LeaseResource(const std::string& name) {
  return {.group = "coordination.k8s.io",
          .version = "v1",
          .resource = "leases",
          .namespace_name = "nvsentinel",
          .name = name};
}

// OK once GET http://ADDRESS/PATH answers 200.
absl::Status Answers200(const std::string& address, const std::string& path) {
  httplib::Client client(core::StrCat("http://", address));
  client.set_connection_timeout(1);
  client.set_read_timeout(2);
  httplib::Result result = client.Get(path);
  if (!result) return absl::UnavailableError(core::StrCat(address, path, " does not answer"));
  if (result->status != 200) {
    return absl::UnavailableError(core::StrCat(address, path, " answers ", result->status));
  }
  return absl::OkStatus();
}

// The last `lines` lines of a log, indented, for an error message.
std::string LogTail(const std::filesystem::path& log, size_t lines) {
  absl::StatusOr<std::string> text = core::ReadFile(log);
  if (!text.ok() || text->empty()) return "  (its log is empty)";
  std::vector<std::string> all = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  const size_t from = all.size() > lines ? all.size() - lines : 0;
  std::string out;
  for (size_t i = from; i < all.size(); ++i) core::StrAppend(&out, "\n  | ", all[i]);
  return out;
}

}  // namespace

DemoCluster::DemoCluster(DemoClusterOptions options, core::Logger logger)
    : options_(std::move(options)),
      logger_(std::move(logger)),
      kubeconfig_(options_.work_dir / "sim.kubeconfig") {}

DemoCluster::~DemoCluster() { Stop(); }

absl::Status DemoCluster::Launch(const std::string& name, std::vector<std::string> args) {
  std::vector<std::string> argv = {options_.nvsentinel.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  Program program{.name = name, .log = options_.work_dir / core::StrCat(name, ".log")};
  std::error_code ignored;
  std::filesystem::remove(program.log, ignored);
  absl::StatusOr<std::unique_ptr<core::ChildProcess>> process =
      core::ChildProcess::Start({.argv = std::move(argv),
                                 .env = options_.env,
                                 .working_dir = options_.work_dir,
                                 .log_file = program.log});
  if (!process.ok()) return core::Annotate(process.status(), core::StrCat("starting ", name));
  program.process = *std::move(process);
  logger_.Info("started", {{"program", name}, {"pid", program.process->pid()}});
  programs_.push_back(std::move(program));
  return absl::OkStatus();
}

absl::Status DemoCluster::Start() {
  std::error_code error;
  std::filesystem::create_directories(options_.work_dir, error);
  if (error) {
    return absl::FailedPreconditionError(core::StrCat(
        "cannot create the demo's folder ", options_.work_dir.string(), ": ", error.message()));
  }
  NVSX_RETURN_IF_ERROR(StartSim());
  NVSX_RETURN_IF_ERROR(StartNodeAgents());

  NVSX_ASSIGN_OR_RETURN(uint16_t controller_port, core::PickFreeLoopbackPort());
  const std::string controller_metrics = core::StrCat("127.0.0.1:", controller_port);
  NVSX_RETURN_IF_ERROR(
      Launch("controller", {"controller", "--kubeconfig", kubeconfig_.string(), "--identity",
                            "demo-controller", "--metrics-listen", controller_metrics}));
  metrics_.push_back({"controller", controller_metrics});

  NVSX_ASSIGN_OR_RETURN(uint16_t janitor_port, core::PickFreeLoopbackPort());
  const std::string janitor_metrics = core::StrCat("127.0.0.1:", janitor_port);
  NVSX_RETURN_IF_ERROR(
      Launch("janitor", {"janitor", "--kubeconfig", kubeconfig_.string(), "--backend", "sim",
                         "--sim-reboot-downtime", core::DurationString(options_.reboot_downtime),
                         "--identity", "demo-janitor", "--metrics-listen", janitor_metrics}));
  metrics_.push_back({"janitor", janitor_metrics});

  NVSX_RETURN_IF_ERROR(WaitForLease("controller", "nvsentinel-controller"));
  NVSX_RETURN_IF_ERROR(WaitForLease("janitor", "nvsentinel-janitor"));
  return WritePrometheusTargets();
}

absl::Status DemoCluster::WritePrometheusTargets() const {
  nlohmann::json groups = nlohmann::json::array();
  for (const MetricsTarget& target : metrics_) {
    nlohmann::json labels = {{"program", target.program}};
    if (!target.node.empty()) labels["node"] = target.node;
    groups.push_back({{"targets", {target.address}}, {"labels", std::move(labels)}});
  }
  return core::WriteFileAtomically(prometheus_targets(), groups.dump(2) + "\n");
}

absl::Status DemoCluster::StartSim() {
  std::error_code ignored;
  // Stale files would point at a dead server or mix two runs.
  for (const auto& stale : {kubeconfig_, audit_log(), prometheus_targets()}) {
    std::filesystem::remove(stale, ignored);
  }
  NVSX_RETURN_IF_ERROR(
      Launch("sim", {"sim", "--listen", "127.0.0.1:0", "--kubeconfig", kubeconfig_.string(),
                     "--audit-log", audit_log().string(), "--nodes", core::StrCat(options_.nodes),
                     "--gpus-per-node", core::StrCat(options_.gpus_per_node), "--node-agents",
                     "external", "--workload-pods", core::StrCat(options_.workload_pods),
                     "--workload-grace-seconds", core::StrCat(options_.workload_grace_seconds)}));
  NVSX_RETURN_IF_ERROR(WaitUntil("the embedded cluster writes its kubeconfig", [this] {
    return std::filesystem::exists(kubeconfig_) ? absl::OkStatus()
                                                : absl::UnavailableError("no kubeconfig yet");
  }));
  kube::RestClientOptions client_options;
  client_options.user_agent = "nvsx-demo";
  client_options.clock = &clock_;
  NVSX_ASSIGN_OR_RETURN(client_,
                        kube::ConnectLikeKubectl({.kubeconfig = kubeconfig_}, client_options));
  return WaitForNodes();
}

absl::Status DemoCluster::WaitForNodes() {
  const size_t wanted = static_cast<size_t>(options_.nodes);
  return WaitUntil(core::StrCat("all ", wanted, " nodes are Ready"), [this, wanted] {
    NVSX_ASSIGN_OR_RETURN(nlohmann::json nodes, client_->List(NodesResource()));
    size_t ready = 0;
    for (const nlohmann::json& item : nodes.value("items", nlohmann::json::array())) {
      if (kube::Node(item).Ready()) ++ready;
    }
    if (ready < wanted) {
      return absl::UnavailableError(core::StrCat(ready, " of ", wanted, " nodes Ready"));
    }
    return absl::OkStatus();
  });
}

absl::Status DemoCluster::StartNodeAgents() {
  std::string pattern = "/tmp/nvsx-demo-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::FailedPreconditionError(core::StrCat(
        "cannot create a folder for the device API sockets in /tmp: ", std::strerror(errno)));
  }
  socket_dir_ = pattern;
  NVSX_ASSIGN_OR_RETURN(nlohmann::json listed, client_->List(NodesResource()));
  std::vector<std::string> device_api_metrics;
  int index = 0;
  for (const nlohmann::json& item : listed.value("items", nlohmann::json::array())) {
    const std::string node = kube::Node(item).metadata().name();
    const std::string socket = (socket_dir_ / core::StrCat("node-", index++, ".sock")).string();
    const std::string device_api = core::StrCat("unix:", socket);
    std::string metrics[3];
    for (std::string& address : metrics) {
      NVSX_ASSIGN_OR_RETURN(uint16_t port, core::PickFreeLoopbackPort());
      address = core::StrCat("127.0.0.1:", port);
    }
    NVSX_RETURN_IF_ERROR(Launch(
        core::StrCat("device-api-", node),
        {"device-api", "--socket", socket, "--listen", "none", "--metrics-listen", metrics[0]}));
    NVSX_RETURN_IF_ERROR(Launch(
        core::StrCat("health-provider-", node),
        {"health-provider", "--backend", "sim", "--sim-gpus", core::StrCat(options_.gpus_per_node),
         "--node", node, "--device-api", device_api, "--sim-fault-requests", "--kubeconfig",
         kubeconfig_.string(), "--sample-interval", "250ms", "--metrics-listen", metrics[1]}));
    NVSX_RETURN_IF_ERROR(
        Launch(core::StrCat("publisher-", node),
               {"publisher", "--node", node, "--device-api", device_api, "--kubeconfig",
                kubeconfig_.string(), "--metrics-listen", metrics[2]}));
    metrics_.push_back({"device-api", metrics[0], node});
    metrics_.push_back({"health-provider", metrics[1], node});
    metrics_.push_back({"publisher", metrics[2], node});
    device_api_metrics.push_back(metrics[0]);
  }
  // A device API is ready once a provider has registered its GPUs.
  return WaitUntil("every node's device API has its GPUs", [&device_api_metrics] {
    for (const std::string& address : device_api_metrics) {
      NVSX_RETURN_IF_ERROR(Answers200(address, "/readyz"));
    }
    return absl::OkStatus();
  });
}

absl::Status DemoCluster::WaitForLease(const std::string& program, const std::string& lease) {
  return WaitUntil(
      core::StrCat("the ", program, " holds Lease nvsentinel/", lease), [this, &lease] {
        NVSX_ASSIGN_OR_RETURN(nlohmann::json object, client_->Get(LeaseResource(lease)));
        if (kube::Lease(object).holder_identity().empty()) {
          return absl::UnavailableError("nobody holds it");
        }
        return absl::OkStatus();
      });
}

absl::Status DemoCluster::WaitUntil(const std::string& what,
                                    const std::function<absl::Status()>& ready) {
  const absl::Time deadline = absl::Now() + options_.ready_timeout;
  absl::Status last = absl::UnavailableError("not checked yet");
  while (absl::Now() < deadline) {
    if (options_.cancelled())
      return absl::CancelledError(core::StrCat("interrupted while waiting until ", what));
    NVSX_RETURN_IF_ERROR(CheckRunning());
    last = ready();
    if (last.ok()) return absl::OkStatus();
    absl::SleepFor(kPollInterval);
  }
  return absl::DeadlineExceededError(core::StrCat("waited ",
                                                  core::DurationString(options_.ready_timeout),
                                                  " until ", what, "; last: ", last.message()));
}

absl::Status DemoCluster::CheckRunning() {
  for (Program& program : programs_) {
    if (std::optional<core::ChildExit> exit = program.process->Poll(); exit.has_value()) {
      return WithLogTail(program.name, absl::FailedPreconditionError(core::StrCat(
                                           "nvsentinel ", program.name, " ", exit->Describe())));
    }
  }
  return absl::OkStatus();
}

absl::Status DemoCluster::WithLogTail(const std::string& program, absl::Status status) const {
  for (const Program& candidate : programs_) {
    if (candidate.name != program) continue;
    return absl::Status(status.code(),
                        core::StrCat(status.message(), "; the end of ", candidate.log.string(), ":",
                                     LogTail(candidate.log, kLogTailLines)));
  }
  return status;
}

absl::StatusOr<std::string> DemoCluster::BusiestNode() {
  NVSX_ASSIGN_OR_RETURN(nlohmann::json pods,
                        client_->List({.group = "", .version = "v1", .resource = "pods"}));
  std::map<std::string, int> workload_pods;
  for (const nlohmann::json& pod : pods.value("items", nlohmann::json::array())) {
    const std::string node = pod.value("/spec/nodeName"_json_pointer, "");
    bool daemon = false;
    for (const nlohmann::json& owner :
         pod.value("/metadata/ownerReferences"_json_pointer, nlohmann::json::array())) {
      daemon = daemon || owner.value("kind", "") == "DaemonSet";
    }
    if (!node.empty() && !daemon) ++workload_pods[node];
  }
  if (workload_pods.empty()) {
    return absl::FailedPreconditionError("the embedded cluster runs no workload pods");
  }
  // The first node with the most pods: ties go to the lowest name.
  auto busiest = workload_pods.begin();
  for (auto it = workload_pods.begin(); it != workload_pods.end(); ++it) {
    if (it->second > busiest->second) busiest = it;
  }
  return busiest->first;
}

absl::Status DemoCluster::Inject(const std::vector<std::string>& args) {
  core::SubprocessOptions options;
  options.argv = {options_.nvsentinel.string(), "sim", "inject", "--kubeconfig",
                  kubeconfig_.string()};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = options_.env;
  options.timeout = absl::Seconds(30);
  NVSX_ASSIGN_OR_RETURN(core::SubprocessResult result, core::RunSubprocess(options));
  if (!result.Succeeded()) {
    return absl::InternalError(
        core::StrCat("nvsentinel sim inject ", result.Describe(), ": ", result.stderr_text));
  }
  return absl::OkStatus();
}

std::vector<std::pair<std::string, std::filesystem::path>> DemoCluster::logs() const {
  std::vector<std::pair<std::string, std::filesystem::path>> out;
  for (const Program& program : programs_) out.emplace_back(program.name, program.log);
  return out;
}

void DemoCluster::Stop() {
  client_.reset();
  // Reverse order: the controllers go before the cluster they talk to.
  for (auto it = programs_.rbegin(); it != programs_.rend(); ++it) {
    const core::ChildExit exit = it->process->Stop(absl::Seconds(5));
    logger_.Info("stopped", {{"program", it->name}, {"how", exit.Describe()}});
  }
  programs_.clear();
  if (!socket_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(socket_dir_, ignored);
    socket_dir_.clear();
  }
}

void DemoCluster::Kill() {
  for (Program& program : programs_) program.process->Kill();
}

}  // namespace nvsx::op
