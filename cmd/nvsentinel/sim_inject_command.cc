#include "nvsentinel/sim_inject_command.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "common/flag_checks.h"
#include "common/kube_flags.h"
#include "common/program.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/rest_client.h"
#include "nvsx_version.h"
#include "sim_nodes/fault_request.h"
#include "sim_nodes/fault_request_client.h"

namespace nvsx::cmd {
namespace {

constexpr char kProgram[] = "nvsentinel sim inject";

struct SimInjectFlags {
  KubeClientFlags kube;
  std::string node;
  int gpu = -1;
  std::optional<uint32_t> xid;
  std::string fault;
  bool clear = false;
  std::string timeout = "10s";
  std::optional<std::string> log_level;
};

absl::StatusOr<sim_nodes::FaultRequest> BuildRequest(const SimInjectFlags& flags) {
  sim_nodes::FaultRequest request;
  request.node = flags.node;
  request.gpu = flags.gpu;
  request.xid = flags.xid;
  request.clear = flags.clear;
  if (!flags.fault.empty()) {
    auto fault = nvml::ParseSimFault(flags.fault);
    if (!fault.ok()) return core::Annotate(fault.status(), "--fault");
    request.fault = *fault;
  }
  if (absl::Status valid = sim_nodes::ValidateFaultRequest(request); !valid.ok()) return valid;
  return request;
}

int Run(const SimInjectFlags& flags, const core::Environment& env) {
  core::SystemClock clock;
  auto logger = MakeStderrLogger(flags.log_level, env, &clock);
  if (!logger.ok()) return ReportError(kProgram, logger.status());
  auto request = BuildRequest(flags);
  if (!request.ok()) return ReportError(kProgram, request.status());
  auto timeout = ParseDurationFlag("--timeout", flags.timeout);
  if (!timeout.ok()) return ReportError(kProgram, timeout.status());
  kube::RestClientOptions client_options;
  client_options.user_agent = std::string("nvsentinel-sim-inject/") + kVersion;
  auto client = ConnectWithFlags(flags.kube, env, &clock, std::move(client_options));
  if (!client.ok()) return ReportError(kProgram, client.status());

  absl::StatusOr<std::string> result =
      sim_nodes::SubmitFaultRequest(**client, *request, *timeout, clock, *logger);
  if (!result.ok()) return ReportError(kProgram, result.status());
  std::printf("%s\n", result->c_str());
  return kExitOk;
}

}  // namespace

std::function<int()> AddSimInjectCommand(CLI::App& sim, const core::Environment& env) {
  auto flags = std::make_shared<SimInjectFlags>();
  CLI::App* command = sim.add_subcommand(
      "inject",
      "Inject a GPU fault into a running sim; it travels simulated GPU -> health provider -> "
      "device API -> publisher -> HealthEvent");
  AddKubeClientFlags(command, &flags->kube, /*rate_limits=*/false);
  command->add_option("--node", flags->node, "Node name, e.g. gpu-node-0")->required();
  command->add_option("--gpu", flags->gpu, "GPU index on the node")
      ->required()
      ->check(WholeNumberAtLeast(0));
  command->add_option("--xid", flags->xid,
                      "Report this XID (79: fallen off the bus, 48: ECC, ...)");
  command->add_option("--fault", flags->fault, "A fault that is not just an XID")
      ->check(OneOf({"ecc", "nvlink", "thermal", "driver-hang", "inforom"}));
  command->add_flag("--clear", flags->clear, "Heal the GPU: every fault it has is gone");
  command->add_option("--timeout", flags->timeout, "How long to wait for the sim to apply it")
      ->capture_default_str();
  command->add_option("--log-level", flags->log_level, "debug, info, warn or error");
  return [command, flags, &env]() -> int { return *command ? Run(*flags, env) : -1; };
}

}  // namespace nvsx::cmd
