// nvsx history and nvsx report: what the run store remembers.
#include <memory>

#include "common/flag_checks.h"
#include "common/program.h"
#include "core/duration.h"
#include "core/file_io.h"
#include "core/str_cat.h"
#include "core/time_format.h"
#include "nlohmann/json.hpp"
#include "nvsx/commands.h"
#include "nvsx/mttr_report.h"
#include "nvsx/node_alias.h"
#include "nvsx/timeline_svg.h"

namespace nvsx::cmd {
namespace {

constexpr char kHistoryProgram[] = "nvsx history";
constexpr char kReportProgram[] = "nvsx report";

std::string Elapsed(const op::RunRecord& run) {
  return run.ended > run.started
             ? core::DurationString(absl::Floor(run.ended - run.started, absl::Milliseconds(1)))
             : "-";
}

struct ReportFlags {
  std::string runbook;  // only this runbook's runs
  int limit = 1000;
  std::string svg_run;  // write this run's timeline
  std::string out = "timeline.svg";
};

void PrintSummaries(const char* title, const std::vector<op::DurationSummary>& rows) {
  std::printf("%s\n  %-16s %5s  %10s  %10s\n", title, "NAME", "RUNS", "MEDIAN", "P90");
  for (const op::DurationSummary& row : rows) {
    std::printf("  %-16s %5d  %10s  %10s\n", row.name.c_str(), row.samples,
                core::DurationString(absl::Floor(row.median, absl::Milliseconds(1))).c_str(),
                core::DurationString(absl::Floor(row.p90, absl::Milliseconds(1))).c_str());
  }
}

int PrintReport(NvsxContext& context, const ReportFlags& flags) {
  absl::StatusOr<std::unique_ptr<op::RunStore>> store = context.OpenRunStore();
  if (!store.ok()) return ReportError(kReportProgram, store.status());
  if (!flags.svg_run.empty()) {
    absl::StatusOr<std::optional<op::RunRecord>> run = (*store)->GetRun(flags.svg_run);
    if (!run.ok()) return ReportError(kReportProgram, run.status());
    if (!run->has_value()) {
      return ReportError(kReportProgram,
                         absl::InvalidArgumentError(core::StrCat(
                             "--svg ", flags.svg_run, ": no such run; `nvsx history` lists them")));
    }
    if (absl::Status written = core::WriteFileAtomically(flags.out, op::RenderTimelineSvg(**run));
        !written.ok()) {
      return ReportError(kReportProgram, written);
    }
    std::printf("wrote the timeline of run %s to %s\n", flags.svg_run.c_str(), flags.out.c_str());
    return kExitOk;
  }
  absl::StatusOr<std::vector<op::RunRecord>> runs = (*store)->ListRuns(flags.limit);
  if (!runs.ok()) return ReportError(kReportProgram, runs.status());
  std::vector<op::RunRecord> selected;
  for (op::RunRecord& run : *runs) {
    if (flags.runbook.empty() || run.runbook == flags.runbook) selected.push_back(std::move(run));
  }
  const op::MttrReport report = op::BuildMttrReport(selected);
  std::printf("MTTR over %zu recorded runs (passed runs and stages only)\n\n", selected.size());
  PrintSummaries("per runbook", report.runbooks);
  std::printf("\n");
  PrintSummaries("per stage", report.stages);
  return kExitOk;
}

}  // namespace

int PrintHistory(NvsxContext& context, bool plain, int limit, std::FILE* out) {
  absl::StatusOr<std::unique_ptr<op::RunStore>> store = context.OpenRunStore();
  if (!store.ok()) return ReportError(kHistoryProgram, store.status());
  absl::StatusOr<std::vector<op::RunRecord>> runs = (*store)->ListRuns(limit);
  if (!runs.ok()) return ReportError(kHistoryProgram, runs.status());
  if (!plain) {
    std::fprintf(out, "%-20s  %-16s  %-32s  %-12s  %-11s  %-24s  %s\n", "RUN", "RUNBOOK", "NODE",
                 "TRIGGER", "RESULT", "STARTED", "TOOK");
  }
  for (const op::RunRecord& run : *runs) {
    const std::string result = run.result.empty() ? "running" : run.result;
    if (plain) {
      nlohmann::ordered_json line = {
          {"id", run.id},
          {"runbook", run.runbook},
          {"node", run.node},
          {"alias", op::NodeAlias(run.node)},
          {"trigger", run.trigger},
          {"result", result},
          {"started", core::FormatTimestampMillis(run.started)},
          {"ended", run.ended > run.started
                        ? nlohmann::ordered_json(core::FormatTimestampMillis(run.ended))
                        : nlohmann::ordered_json(nullptr)},
          {"elapsed_ms",
           run.ended > run.started ? absl::ToInt64Milliseconds(run.ended - run.started) : 0}};
      std::fprintf(out, "%s\n", line.dump().c_str());
    } else {
      std::fprintf(out, "%-20s  %-16s  %-32s  %-12s  %-11s  %-24s  %s\n", run.id.c_str(),
                   run.runbook.c_str(), op::NodeWithAlias(run.node).c_str(), run.trigger.c_str(),
                   result.c_str(), core::FormatTimestampMillis(run.started).c_str(),
                   Elapsed(run).c_str());
    }
  }
  std::fflush(out);
  return kExitOk;
}

std::function<int()> AddHistoryCommand(CLI::App& app, NvsxContext& context) {
  auto plain = std::make_shared<bool>(false);
  auto limit = std::make_shared<int>(50);
  CLI::App* command = app.add_subcommand("history", "List recorded runs, newest first");
  command->add_flag("--plain", *plain, "One JSON object per run");
  command->add_option("--limit", *limit, "How many runs")
      ->check(WholeNumberAtLeast(1))
      ->capture_default_str();
  return [command, plain, limit, &context] {
    return *command ? PrintHistory(context, *plain, *limit, stdout) : -1;
  };
}

std::function<int()> AddReportCommand(CLI::App& app, NvsxContext& context) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* command =
      app.add_subcommand("report", "MTTR per stage and per runbook (median, p90); SVG timelines");
  command->add_option("--runbook", flags->runbook, "Only this runbook's runs");
  command->add_option("--limit", flags->limit, "How many recent runs to count")
      ->check(WholeNumberAtLeast(1))
      ->capture_default_str();
  command->add_option("--svg", flags->svg_run, "Write this run's timeline as SVG");
  command->add_option("--out", flags->out, "Where --svg writes")->capture_default_str();
  return [command, flags, &context] { return *command ? PrintReport(context, *flags) : -1; };
}

}  // namespace nvsx::cmd
