// nvsx convert FILE.md: a Markdown runbook to an nvsx runbook and hooks
// (see nvsx/convert/convert_runbook.h).
#include <memory>
#include <system_error>

#include "common/program.h"
#include "core/str_cat.h"
#include "nvsx/commands.h"
#include "nvsx/convert/convert_runbook.h"

namespace nvsx::cmd {
namespace {

namespace fs = std::filesystem;

constexpr char kProgram[] = "nvsx convert";

struct ConvertFlags {
  std::string markdown;
  std::string out;
  std::string slug;
  std::string endpoint = "https://api.anthropic.com";
  std::string model = "claude-sonnet-4-5";
  std::string timeout = "180s";
  bool offline = false;
  bool force = false;
};

int Convert(NvsxContext& context, const ConvertFlags& flags) {
  convert::ConvertOptions options;
  options.markdown = flags.markdown;
  std::error_code error;
  options.runbooks_dir = fs::current_path(error) / "runbooks";
  if (!flags.out.empty()) {
    options.runbooks_dir = flags.out;
  } else if (absl::StatusOr<op::RunbookLocation> location = context.Runbooks();
             location.ok() && location->origin != "installed") {
    options.runbooks_dir = location->runbooks_dir;
  }
  options.slug = flags.slug;
  options.force = flags.force;
  options.offline = flags.offline;
  options.model.endpoint = flags.endpoint;
  options.model.model = flags.model;
  options.model.api_key = context.env.Get("ANTHROPIC_API_KEY").value_or("");
  absl::StatusOr<absl::Duration> timeout = ParseDurationFlag("--timeout", flags.timeout);
  if (!timeout.ok()) return ReportError(kProgram, timeout.status());
  options.model.timeout = *timeout;
  options.env = context.env;
  options.scratch_parent = fs::temp_directory_path(error);

  absl::StatusOr<convert::ConvertReport> report = convert::ConvertMarkdownRunbook(options);
  if (!report.ok()) return ReportError(kProgram, report.status());
  std::printf("converted %s with %s\n", flags.markdown.c_str(),
              report->method == "rules" ? "the built-in rules (offline)"
                                        : core::StrCat("model ", report->method).c_str());
  if (report->attempts > 1) {
    std::printf("the first answer had %zu problem(s) and was sent back; the second passed\n",
                report->first_problems.size());
  }
  for (const fs::path& path : report->written) std::printf("wrote %s\n", path.string().c_str());
  const std::vector<convert::Unplaced>& unplaced = report->conversion.unplaced;
  if (!unplaced.empty()) {
    std::printf("could not place %zu line(s); add them by hand if they matter:\n", unplaced.size());
    for (const convert::Unplaced& line : unplaced) {
      std::printf("  %s:%d: %s\n      %s\n", fs::path(flags.markdown).filename().c_str(), line.line,
                  line.text.c_str(), line.reason.c_str());
    }
  }
  const std::string runbooks = flags.out.empty() ? "" : core::StrCat("--runbooks ", flags.out, " ");
  std::printf("next: `nvsx %sshow %s`, then `nvsx %srun %s --dry-run`\n", runbooks.c_str(),
              report->conversion.slug.c_str(), runbooks.c_str(), report->conversion.slug.c_str());
  return kExitOk;
}

}  // namespace

std::function<int()> AddConvertCommand(CLI::App& app, NvsxContext& context) {
  auto flags = std::make_shared<ConvertFlags>();
  CLI::App* command = app.add_subcommand(
      "convert",
      "Convert a Markdown runbook: cluster steps become watch clauses, Slack/PagerDuty/Jira/MTTR "
      "calls become hooks (Claude with ANTHROPIC_API_KEY, else built-in rules)");
  command->add_option("file", flags->markdown, "The Markdown runbook")->required();
  command->add_flag("--offline", flags->offline, "Use the built-in rules even with a key");
  command->add_option("--out", flags->out,
                      "Runbooks folder to write into (default: the project's, else ./runbooks)");
  command->add_option("--slug", flags->slug, "The runbook's name (default: from the file name)");
  command->add_option("--endpoint", flags->endpoint, "Anthropic API base URL")
      ->capture_default_str();
  command->add_option("--model", flags->model, "Claude model")->capture_default_str();
  command->add_option("--timeout", flags->timeout, "Time limit of one API request")
      ->capture_default_str();
  command->add_flag("--force", flags->force, "Overwrite existing files");
  return [command, flags, &context] { return *command ? Convert(context, *flags) : -1; };
}

}  // namespace nvsx::cmd
