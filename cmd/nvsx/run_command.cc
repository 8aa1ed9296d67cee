// nvsx run: runs a runbook against the cluster and records it.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>

#include "common/program.h"
#include "core/str_cat.h"
#include "nvsx/cinematic_renderer.h"
#include "nvsx/cluster_watch.h"
#include "nvsx/commands.h"
#include "nvsx/run_renderer.h"
#include "nvsx/runner.h"
#include "nvsx/target_node.h"

namespace nvsx::cmd {
namespace {

constexpr char kProgram[] = "nvsx run";

// The renderer the operator sees: the flight deck on a terminal, JSON lines
// on a pipe or with --plain.
std::unique_ptr<op::RunRenderer> ScreenRenderer(const NvsxContext& context, bool plain) {
  if (plain || ::isatty(STDOUT_FILENO) != 1) {
    return std::make_unique<op::JsonLinesRenderer>(stdout);
  }
  op::CinematicOptions options;
  options.color = !context.env.Get("NO_COLOR").has_value();
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) {
    options.width = size.ws_col;
  } else if (auto columns = context.env.Get("COLUMNS");
             columns && std::atoi(columns->c_str()) >= 20) {
    options.width = std::atoi(columns->c_str());
  }
  return std::make_unique<op::CinematicRenderer>(stdout, options);
}

}  // namespace

int RunRunbook(NvsxContext& context, const std::string& slug, const RunFlags& flags) {
  absl::StatusOr<op::RunbookLocation> location = context.Runbooks();
  if (!location.ok()) return ReportError(kProgram, location.status());
  absl::StatusOr<op::Runbook> runbook = op::LoadRunbookBySlug(*location, slug);
  if (!runbook.ok()) return ReportError(kProgram, runbook.status());

  op::RunOptions options;
  options.run_id = flags.run_id.empty() ? op::NewRunId(context.clock.Now(), std::random_device()())
                                        : flags.run_id;
  options.target_node = flags.target_node;
  options.trigger = flags.trigger;
  options.dry_run = flags.dry_run;
  options.drill = flags.drill;
  options.project_root = location->project_root;
  options.env = context.env;
  // Hooks and checks run kubectl: they must see the cluster this run watches.
  if (!context.kubeconfig.empty()) {
    options.env.Set("KUBECONFIG", std::filesystem::absolute(context.kubeconfig).string());
  }
  if (absl::Status runnable = op::CheckRunnable(*runbook, options); !runnable.ok()) {
    return ReportError(kProgram, runnable);
  }

  absl::StatusOr<std::unique_ptr<kube::RestClient>> client = context.Connect();
  if (!client.ok() && !flags.dry_run) return ReportError(kProgram, client.status());
  if (options.target_node.empty() && client.ok()) {
    absl::StatusOr<std::string> detected = op::DetectTargetNode(**client);
    if (!detected.ok() && !flags.dry_run) {
      return ReportError(kProgram, absl::InvalidArgumentError(detected.status().message()));
    }
    if (detected.ok()) options.target_node = *detected;
  }

  std::unique_ptr<op::RunStore> store;
  if (!flags.dry_run) {
    absl::StatusOr<std::unique_ptr<op::RunStore>> opened = context.OpenRunStore();
    if (!opened.ok()) return ReportError(kProgram, opened.status());
    store = *std::move(opened);
    options.artifact_dir = context.StateDir() / "runs" / options.run_id;
  }
  std::unique_ptr<op::RunRenderer> screen = ScreenRenderer(context, flags.plain);
  std::vector<op::RunRenderer*> renderers = {screen.get()};
  if (store) renderers.push_back(store.get());
  if (flags.observer != nullptr) renderers.push_back(flags.observer);
  op::TeeRenderer renderer(renderers);

  std::unique_ptr<op::ClusterWatch> cluster;
  if (client.ok()) {
    cluster =
        std::make_unique<op::ClusterWatch>(client->get(), &context.clock, core::Logger::Discard(),
                                           op::StreamWatchOptions{.mongo = context.MongoShell()});
  }
  op::Runner runner(&*runbook, options, cluster.get(), &renderer, &context.clock);
  op::RunOutcome outcome;
  {
    // The first Ctrl-C ends the stage and runs postmortem; a second one ends nvsx.
    SignalWatcher signals([&runner, &flags](int, int count) {
      if (count > 1) {
        if (flags.on_abandon) flags.on_abandon();
        ::_exit(kExitInterrupted);
      }
      runner.Interrupt();
    });
    outcome = runner.Run();
  }
  if (cluster) cluster->Close();
  if (store && !store->status().ok()) {
    std::fprintf(stderr, "%s: the run was not fully recorded: %s\n", kProgram,
                 std::string(store->status().message()).c_str());
  }
  return outcome.exit_code;
}

std::function<int()> AddRunCommand(CLI::App& app, NvsxContext& context) {
  auto slug = std::make_shared<std::string>();
  auto flags = std::make_shared<RunFlags>();
  CLI::App* command = app.add_subcommand("run", "Run a runbook against the cluster");
  command->add_option("runbook", *slug, "The runbook's name (its file's stem)")->required();
  command->add_option("--target-node", flags->target_node,
                      "The node to act on (default: the node of the newest open HealthEvent, or "
                      "the only cordoned GPU node)");
  command->add_flag("--dry-run", flags->dry_run, "Show what would happen; run nothing");
  command->add_flag("--drill", flags->drill, "Allow inject and baseline stages (fault drills)");
  command->add_flag("--plain", flags->plain, "One JSON object per event, even on a terminal");
  command->add_option("--trigger", flags->trigger, "What started the run, for the history")
      ->capture_default_str();
  return [command, slug, flags, &context] {
    return *command ? RunRunbook(context, *slug, *flags) : -1;
  };
}

}  // namespace nvsx::cmd
