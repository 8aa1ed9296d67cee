#include "nvsx/setup/wizard.h"

#include "absl/strings/str_join.h"
#include "core/str_cat.h"
#include "core/text.h"
#include "nvsx/setup/cluster_checks.h"
#include "nvsx/setup/gpu_nodes.h"
#include "nvsx/setup/selection.h"
#include "nvsx/setup/starter_set.h"

namespace nvsx::setup {
namespace {

namespace fs = std::filesystem;

constexpr int kAttempts = 3;  // a question asked again after a wrong answer

// `text` padded with spaces to `width` columns (never cut).
std::string Pad(std::string text, size_t width) {
  if (text.size() < width) text.resize(width, ' ');
  return text;
}

class Wizard {
 public:
  Wizard(const SetupOptions& options, Terminal& terminal) : options_(options), out_(terminal) {}

  void Report(const Check& check) {
    problems_ += check.verdict == Verdict::kFail;
    out_.Print(FormatCheck(check) + "\n");
  }

  // Checks the cluster; false when it cannot be reached.
  bool CheckContext(const ClusterAccess& cluster) {
    out_.Print("[1/4] kube context\n");
    if (cluster.client == nullptr) {
      Report({Verdict::kFail, "kube context", std::string(cluster.connect_error.message())});
      return false;
    }
    Report(CheckKubeContext(*cluster.client));
    const Check api = CheckApiServer(*cluster.client);
    Report(api);
    return api.verdict != Verdict::kFail;
  }

  void CheckControllers(kube::RestClient& client) {
    out_.Print("[2/4] NVSentinel and the nvsentinel controllers\n");
    for (const Check& check : CheckNvsentinel(client, options_.now)) Report(check);
  }

  void ListGpuNodes(kube::RestClient& client) {
    out_.Print("[3/4] GPU nodes\n");
    const absl::StatusOr<std::vector<GpuNode>> nodes = DiscoverGpuNodes(client);
    if (nodes.ok() && !nodes->empty()) {
      out_.Print(Row("NODE", "ALIAS", "GPUS", "STATE"));
      for (const GpuNode& node : *nodes) {
        const std::string state =
            core::StrCat(node.ready ? "Ready" : "NotReady", node.cordoned ? ", cordoned" : "");
        out_.Print(Row(node.name, node.alias, core::StrCat(node.gpus), state));
      }
    }
    Report(SummarizeGpuNodes(nodes));
  }

  // Asks `question` until the answer is yes or no; an empty answer is no.
  // nullopt at the end of input.
  std::optional<bool> Confirm(const std::string& question) {
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      std::optional<std::string> answer = out_.ReadLine(question + " [y/N] ");
      if (!answer) return std::nullopt;
      const std::string_view word = core::TrimWhitespace(*answer);
      if (word == "y" || word == "yes" || word == "Y") return true;
      if (word.empty() || word == "n" || word == "no" || word == "N") return false;
      out_.Print("answer y or n\n");
    }
    return false;
  }

  std::optional<std::vector<StarterRunbook>> AskWhich(const std::vector<StarterRunbook>& starters) {
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      std::optional<std::string> answer =
          out_.ReadLine("Which starter runbooks? numbers or names, all or none [all]: ");
      if (!answer) return std::nullopt;
      absl::StatusOr<std::vector<StarterRunbook>> chosen = ParseSelection(*answer, starters);
      if (chosen.ok()) return *chosen;
      out_.Print(core::StrCat(chosen.status().message(), "\n"));
    }
    return std::nullopt;
  }

  absl::StatusOr<SetupOutcome> Scaffold(
      const std::vector<StarterRunbook>& starters,
      const std::optional<std::vector<StarterRunbook>>& selected) {
    SetupOutcome outcome;
    out_.Print(core::StrCat("[4/4] starter runbooks from ", options_.starter_dir.string(), " into ",
                            options_.runbooks_dir.string(), "\n"));
    for (size_t i = 0; i < starters.size(); ++i) {
      const ScaffoldPlan plan =
          PlanScaffold(options_.starter_dir, {starters[i]}, options_.runbooks_dir);
      const bool present = plan.Count(FileAction::kSame) == static_cast<int>(plan.files.size());
      out_.Print(core::StrCat("  ", i + 1, ") ", Pad(starters[i].slug, 18), " ", starters[i].title,
                              present ? "  (already there)" : "", "\n"));
    }
    if (!options_.yes && !out_.Interactive()) {
      out_.Print(
          "Input is not a terminal, so nobody can answer: nothing was written. To scaffold "
          "from a script, run `nvsx setup --yes` (all starters) or `nvsx setup --yes --select "
          "gpu-off-bus,inforom`.\n");
      outcome.needs_answers = true;
      return outcome;
    }
    std::optional<std::vector<StarterRunbook>> chosen = selected;
    if (!chosen) chosen = options_.yes ? std::optional(starters) : AskWhich(starters);
    if (!chosen || chosen->empty()) {
      out_.Print("No starter runbooks chosen: nothing was written.\n");
      return outcome;
    }
    const ScaffoldPlan plan = PlanScaffold(options_.starter_dir, *chosen, options_.runbooks_dir);
    bool overwrite = options_.force;
    if (const int conflicts = plan.Count(FileAction::kConflict); conflicts > 0 && !overwrite) {
      out_.Print(core::StrCat(conflicts, " file(s) exist and differ from the starters:\n"));
      for (const ScaffoldFile& file : plan.files) {
        if (file.action == FileAction::kConflict)
          out_.Print(core::StrCat("  ", file.to.string(), "\n"));
      }
      if (!options_.yes) overwrite = Confirm("Overwrite them?").value_or(false);
      if (!overwrite) out_.Print("Keeping them as they are (--force overwrites).\n");
    }
    const int to_write =
        plan.Count(FileAction::kCreate) + (overwrite ? plan.Count(FileAction::kConflict) : 0);
    if (to_write == 0) {
      out_.Print("Nothing to write: the chosen runbooks are there already.\n");
      return outcome;
    }
    if (!options_.yes) {
      std::vector<std::string> slugs;
      for (const StarterRunbook& starter : *chosen) slugs.push_back(starter.slug);
      const std::optional<bool> go =
          Confirm(core::StrCat("Write ", to_write, " file(s) for ", absl::StrJoin(slugs, ", "),
                               " into ", options_.runbooks_dir.string(), "?"));
      if (!go.value_or(false)) {
        out_.Print("Nothing was written.\n");
        return outcome;
      }
    }
    absl::StatusOr<std::vector<fs::path>> written = ApplyScaffold(plan, overwrite);
    if (!written.ok()) return written.status();
    for (const fs::path& path : *written) out_.Print(core::StrCat("wrote ", path.string(), "\n"));
    out_.Print("next: `nvsx list`, `nvsx show SLUG`, `nvsx run SLUG --dry-run`\n");
    outcome.written = *std::move(written);
    return outcome;
  }

  int problems() const { return problems_; }

 private:
  static std::string Row(const std::string& a, const std::string& b, const std::string& c,
                         const std::string& d) {
    return core::StrCat("  ", Pad(a, 28), " ", Pad(b, 20), " ", Pad(c, 5), " ", d, "\n");
  }

  const SetupOptions& options_;
  Terminal& out_;
  int problems_ = 0;
};

}  // namespace

absl::StatusOr<SetupOutcome> RunSetupWizard(const SetupOptions& options,
                                            const ClusterAccess& cluster, Terminal& terminal) {
  absl::StatusOr<std::vector<StarterRunbook>> starters = ListStarters(options.starter_dir);
  if (!starters.ok()) return starters.status();
  std::optional<std::vector<StarterRunbook>> selected;
  if (!options.select.empty()) {
    absl::StatusOr<std::vector<StarterRunbook>> chosen =
        ParseSelection(absl::StrJoin(options.select, ","), *starters);
    if (!chosen.ok()) {
      return absl::InvalidArgumentError(core::StrCat("--select: ", chosen.status().message()));
    }
    selected = *std::move(chosen);
  }

  Wizard wizard(options, terminal);
  if (wizard.CheckContext(cluster)) {
    wizard.CheckControllers(*cluster.client);
    wizard.ListGpuNodes(*cluster.client);
  } else {
    terminal.Print("[2/4] and [3/4] skipped: the cluster cannot be reached\n");
  }
  absl::StatusOr<SetupOutcome> outcome = wizard.Scaffold(*starters, selected);
  if (!outcome.ok()) return outcome;
  outcome->problems = wizard.problems();
  terminal.Print(outcome->problems == 0
                     ? "nvsx setup: done\n"
                     : core::StrCat("nvsx setup: ", outcome->problems,
                                    " problem(s) above (FAIL); `nvsx doctor` checks again\n"));
  return outcome;
}

}  // namespace nvsx::setup
