// nvsx demo: the whole chain on the embedded cluster, XID 79 -> Resolved.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/flag_checks.h"
#include "common/program.h"
#include "core/duration.h"
#include "core/file_io.h"
#include "core/str_cat.h"
#include "kube/types/health_event.h"
#include "nvsx/commands.h"
#include "nvsx/demo/demo_cluster.h"
#include "nvsx/demo/demo_faults.h"
#include "nvsx/demo/fault_script.h"
#include "nvsx/demo/phase_breakdown.h"
#include "nvsx/run_store.h"
#include "nvsx/runner.h"
#include "nvsx/timeline_svg.h"

namespace nvsx::cmd {
namespace {

constexpr char kProgram[] = "nvsx demo";

struct DemoFlags {
  std::string fault = "xid79";
  bool plain = false;
  bool keep = false;
  int nodes = 4;
  int gpu = 0;
  std::string reboot_downtime = "1s";
};

// The nvsentinel binary installed or built beside this one.
std::filesystem::path NvsentinelBeside() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return (error ? std::filesystem::path("nvsentinel") : self.parent_path() / "nvsentinel");
}

// The newest HealthEvent of `node`, as the controllers left it.
std::optional<kube::HealthEvent> NewestEventOn(kube::RestClient& client, const std::string& node) {
  absl::StatusOr<nlohmann::json> events = client.List(kube::HealthEventsResource());
  if (!events.ok()) return std::nullopt;
  std::optional<kube::HealthEvent> newest;
  for (const nlohmann::json& item : events->value("items", nlohmann::json::array())) {
    kube::HealthEvent event(item);
    if (event.node_name() != node) continue;
    const auto created = event.metadata().creation_timestamp();
    if (!newest || created > newest->metadata().creation_timestamp()) {
      newest.emplace(nlohmann::json(item));
    }
  }
  return newest;
}

// What the demo prints after the run, on stderr in --plain mode so stdout
// stays pure JSON lines.
void PrintBreakdown(std::FILE* out, NvsxContext& context, op::DemoCluster& cluster,
                    const std::string& node, const std::string& run_id, absl::Time injected_at) {
  if (std::optional<kube::HealthEvent> event = NewestEventOn(cluster.client(), node)) {
    const std::vector<op::PhaseStep> steps = op::PhaseBreakdown(*event);
    std::fprintf(out, "\nMTTR breakdown of HealthEvent %s (%s):\n%s",
                 event->metadata().name().c_str(),
                 std::string(kube::HealthEventPhaseName(event->phase())).c_str(),
                 op::FormatPhaseBreakdown(steps).c_str());
    if (event->phase() == kube::HealthEventPhase::kResolved &&
        injected_at != absl::InfinitePast()) {
      std::fprintf(
          out, "  fault injection -> Resolved: %s of wall time\n",
          core::DurationString(absl::Floor(steps.back().at - injected_at, absl::Milliseconds(1)))
              .c_str());
    }
  } else {
    std::fprintf(out, "\nNo HealthEvent was written for %s.\n", node.c_str());
  }
  absl::StatusOr<std::unique_ptr<op::RunStore>> store = context.OpenRunStore();
  if (!store.ok()) return;
  absl::StatusOr<std::optional<op::RunRecord>> run = (*store)->GetRun(run_id);
  if (!run.ok() || !run->has_value()) return;
  const std::filesystem::path svg = context.StateDir() / "runs" / run_id / "timeline.svg";
  std::error_code ignored;
  std::filesystem::create_directories(svg.parent_path(), ignored);
  if (core::WriteFileAtomically(svg, op::RenderTimelineSvg(**run)).ok()) {
    std::fprintf(out, "Timeline of run %s: %s\n", run_id.c_str(), svg.c_str());
  }
}

int RunDemo(NvsxContext& context, const DemoFlags& flags) {
  absl::StatusOr<op::DemoFault> fault = op::FindDemoFault(flags.fault);
  if (!fault.ok()) return ReportError(kProgram, fault.status());
  absl::StatusOr<absl::Duration> downtime =
      ParseDurationFlag("--reboot-downtime", flags.reboot_downtime);
  if (!downtime.ok()) return ReportError(kProgram, downtime.status());
  // The runbook is checked before anything starts.
  if (absl::StatusOr<op::Runbook> runbook = context.LoadRunbook(std::string(fault->runbook));
      !runbook.ok()) {
    return ReportError(kProgram, runbook.status());
  }
  absl::StatusOr<core::Logger> logger =
      MakeStderrLogger(context.log_level.value_or("warn"), context.env, &context.clock);
  if (!logger.ok()) return ReportError(kProgram, logger.status());

  const bool plain = flags.plain || ::isatty(STDOUT_FILENO) != 1;
  std::FILE* info = plain ? stderr : stdout;
  std::atomic<bool> interrupted{false};
  op::DemoClusterOptions options;
  options.nvsentinel = NvsentinelBeside();
  options.work_dir = context.StateDir() / "demo";
  options.env = context.env;
  options.nodes = flags.nodes;
  options.reboot_downtime = *downtime;
  options.cancelled = [&interrupted] { return interrupted.load(); };
  op::DemoCluster cluster(options, *logger);

  std::fprintf(info,
               "Starting the embedded cluster (%d GPU nodes), the controller and the janitor...\n",
               flags.nodes);
  std::fflush(info);
  absl::Status started;
  {
    SignalWatcher signals([&interrupted](int, int) { interrupted = true; });
    started = cluster.Start();
  }
  if (!started.ok()) {
    cluster.Stop();
    return started.code() == absl::StatusCode::kCancelled ? kExitInterrupted
                                                          : ReportError(kProgram, started);
  }
  absl::StatusOr<std::string> node = cluster.BusiestNode();
  if (!node.ok()) return ReportError(kProgram, node.status());
  std::fprintf(
      info, "Cluster up; logs in %s. Injecting %s on %s GPU %d once the runbook watches.\n",
      options.work_dir.c_str(), std::string(fault->what).c_str(), node->c_str(), flags.gpu);
  std::fflush(info);

  context.kubeconfig = cluster.kubeconfig().string();
  op::FaultScript script;
  script.At("detect", [&cluster, &fault, &node, &flags] {
    return cluster.Inject(op::InjectArgs(*fault, *node, flags.gpu));
  });
  if (!fault->heals_at.empty()) {
    script.At(std::string(fault->heals_at), [&cluster, &fault, &node, &flags, plain] {
      // Not over the cinematic view: its narration says what happens.
      if (plain) {
        std::fprintf(stderr, "(demo) %s: healing %s GPU %d\n", std::string(fault->healing).c_str(),
                     node->c_str(), flags.gpu);
      }
      return cluster.Inject(op::HealArgs(*node, flags.gpu));
    });
  }
  RunFlags run;
  run.target_node = *node;
  run.trigger = "demo";
  run.plain = plain;
  run.run_id = op::NewRunId(context.clock.Now(), std::random_device()());
  run.observer = &script;
  run.on_abandon = [&cluster] { cluster.Kill(); };
  int exit_code = RunRunbook(context, std::string(fault->runbook), run);
  if (absl::Status driven = script.Join(); !driven.ok()) {
    std::fprintf(stderr, "%s: the demo's fault did not go as scripted: %s\n", kProgram,
                 std::string(driven.message()).c_str());
    if (exit_code == kExitOk) exit_code = kExitFailed;
  }
  PrintBreakdown(info, context, cluster, *node, run.run_id, script.started_at());
  if (absl::Status running = cluster.CheckRunning(); !running.ok()) {
    std::fprintf(stderr, "%s: %s\n", kProgram, std::string(running.message()).c_str());
  }
  if (flags.keep && exit_code != kExitInterrupted) {
    std::fprintf(info,
                 "\nThe cluster keeps running until Ctrl-C. In another shell:\n"
                 "  export KUBECONFIG=%s\n  kubectl get nodes,healthevents,rebootnodes\n",
                 cluster.kubeconfig().c_str());
    std::fflush(info);
    WaitForTerminationSignal();
  }
  cluster.Stop();
  return exit_code;
}

}  // namespace

std::function<int()> AddDemoCommand(CLI::App& app, NvsxContext& context) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* command = app.add_subcommand(
      "demo",
      "The whole chain on an embedded cluster: inject a GPU fault and watch it detected, "
      "quarantined, drained, rebooted and recovered while the runbook runs");
  std::string faults;
  for (const op::DemoFault& fault : op::DemoFaults()) {
    faults += core::StrCat(faults.empty() ? "" : ", ", fault.name);
  }
  command->add_option("--fault", flags->fault, core::StrCat("The fault to inject: ", faults))
      ->capture_default_str();
  command->add_flag("--plain", flags->plain, "JSON lines instead of the cinematic view (for CI)");
  command->add_flag("--keep", flags->keep,
                    "Keep the cluster running after the run (until Ctrl-C), to inspect it");
  command->add_option("--nodes", flags->nodes, "Simulated GPU nodes")
      ->check(WholeNumber(1, 64))
      ->capture_default_str();
  command->add_option("--gpu", flags->gpu, "The GPU index that fails")
      ->check(WholeNumber(0, 7))
      ->capture_default_str();
  command
      ->add_option("--reboot-downtime", flags->reboot_downtime,
                   "How long the simulated reboot keeps the node down")
      ->capture_default_str();
  return [command, flags, &context] { return *command ? RunDemo(context, *flags) : -1; };
}

}  // namespace nvsx::cmd
