// nvsx list and nvsx show.
#include <algorithm>
#include <memory>

#include "absl/strings/str_join.h"
#include "common/program.h"
#include "core/duration.h"
#include "core/str_cat.h"
#include "nlohmann/json.hpp"
#include "nvsx/commands.h"
#include "nvsx/watch_kinds.h"

namespace nvsx::cmd {
namespace {

constexpr char kListProgram[] = "nvsx list";
constexpr char kShowProgram[] = "nvsx show";

// Paths under the project print relative to it, as runbooks write them.
std::string Relative(const std::filesystem::path& path, const std::filesystem::path& root) {
  const std::filesystem::path relative = path.lexically_relative(root);
  return relative.empty() || relative.string().starts_with("..") ? path.string()
                                                                 : relative.string();
}

std::string Join(const std::vector<std::string>& words) { return absl::StrJoin(words, ", "); }

}  // namespace

int ListRunbooks(NvsxContext& context, bool plain, std::FILE* out) {
  absl::StatusOr<op::RunbookLocation> location = context.Runbooks();
  if (!location.ok()) return ReportError(kListProgram, location.status());
  const std::vector<op::CatalogEntry> catalog = op::LoadCatalog(*location);
  size_t name_width = 4, nickname_width = 8, title_width = 5;
  for (const op::CatalogEntry& entry : catalog) {
    if (!entry.runbook.ok()) continue;
    name_width = std::max(name_width, entry.slug.size());
    nickname_width = std::max(nickname_width, entry.runbook->metadata.nickname.size());
    title_width = std::max(title_width, entry.runbook->metadata.title.size());
  }
  if (!plain) {
    std::fprintf(out, "%-*s  %-*s  %-*s  %s\n", static_cast<int>(name_width), "NAME",
                 static_cast<int>(nickname_width), "NICKNAME", static_cast<int>(title_width),
                 "TITLE", "TAGS");
  }
  int broken = 0;
  for (const op::CatalogEntry& entry : catalog) {
    if (!entry.runbook.ok()) {
      ++broken;
      std::fprintf(stderr, "%s: %s does not load:\n%s\n", kListProgram, entry.file.string().c_str(),
                   std::string(entry.runbook.status().message()).c_str());
      continue;
    }
    const op::RunbookMetadata& meta = entry.runbook->metadata;
    if (plain) {
      const nlohmann::ordered_json line = {
          {"name", entry.slug},
          {"nickname", meta.nickname},
          {"title", meta.title},
          {"summary", meta.summary},
          {"tags", meta.tags},
          {"estimated_duration_ms", absl::ToInt64Milliseconds(meta.estimated_duration)},
          {"file", entry.file.string()}};
      std::fprintf(out, "%s\n", line.dump().c_str());
    } else {
      std::fprintf(out, "%-*s  %-*s  %-*s  %s\n", static_cast<int>(name_width), entry.slug.c_str(),
                   static_cast<int>(nickname_width), meta.nickname.c_str(),
                   static_cast<int>(title_width), meta.title.c_str(), Join(meta.tags).c_str());
    }
  }
  std::fflush(out);
  return broken == 0 ? kExitOk : kExitBadInput;
}

int ShowRunbook(NvsxContext& context, const std::string& slug, std::FILE* out) {
  absl::StatusOr<op::RunbookLocation> location = context.Runbooks();
  if (!location.ok()) return ReportError(kShowProgram, location.status());
  absl::StatusOr<op::Runbook> loaded = op::LoadRunbookBySlug(*location, slug);
  if (!loaded.ok()) return ReportError(kShowProgram, loaded.status());
  const op::Runbook& runbook = *loaded;
  const std::filesystem::path& root = location->project_root;
  const op::RunbookMetadata& meta = runbook.metadata;
  std::fprintf(out, "%s%s\n", runbook.slug.c_str(),
               meta.nickname.empty() ? "" : core::StrCat("  (", meta.nickname, ")").c_str());
  if (!meta.title.empty()) std::fprintf(out, "%s\n", meta.title.c_str());
  if (!meta.summary.empty()) std::fprintf(out, "%s\n", meta.summary.c_str());
  std::fprintf(out, "file: %s   estimated: %s%s\n", Relative(runbook.source, root).c_str(),
               core::DurationString(meta.estimated_duration).c_str(),
               meta.tags.empty() ? "" : core::StrCat("   tags: ", Join(meta.tags)).c_str());
  if (!runbook.prerequisites.empty()) {
    std::fprintf(out, "\nPrerequisites\n");
    for (const op::Prerequisite& prerequisite : runbook.prerequisites) {
      std::fprintf(out, "  %s\n    check   %s\n    expect  %s\n", prerequisite.name.c_str(),
                   prerequisite.check.c_str(), prerequisite.expect.c_str());
    }
  }
  std::fprintf(out, "\nStages\n");
  int number = 0;
  for (const op::Stage& stage : runbook.stages) {
    std::fprintf(out, "  %d. %-11s %s   (timeout %s%s)\n", ++number, stage.id.c_str(),
                 stage.title.c_str(), core::DurationString(stage.timeout).c_str(),
                 stage.dwell > absl::ZeroDuration()
                     ? core::StrCat(", dwell ", core::DurationString(stage.dwell)).c_str()
                     : "");
    if (stage.action) {
      std::vector<std::string> argv = {Relative(stage.action->script, root)};
      argv.insert(argv.end(), stage.action->args.begin(), stage.action->args.end());
      std::fprintf(out, "       action  %s\n", absl::StrJoin(argv, " ").c_str());
    }
    for (const op::WatchClause& clause : stage.watch) {
      std::vector<std::string> fields;
      for (const auto& [name, value] : clause.fields)
        fields.push_back(core::StrCat(name, "=", value));
      std::fprintf(out, "       watch   %s %s\n", std::string(op::SpecOf(clause.kind).name).c_str(),
                   absl::StrJoin(fields, " ").c_str());
    }
    if (stage.hook) std::fprintf(out, "       hook    %s\n", Relative(*stage.hook, root).c_str());
    for (const std::string& expect : stage.expect) {
      std::fprintf(out, "       expect  %s\n", expect.c_str());
    }
    if (auto narration = runbook.narration.find(stage.id); narration != runbook.narration.end()) {
      std::fprintf(out, "       says    %s\n", narration->second.c_str());
    }
  }
  std::fflush(out);
  return kExitOk;
}

std::function<int()> AddListCommand(CLI::App& app, NvsxContext& context) {
  auto plain = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand("list", "List the runbooks (name, nickname, title, tags)");
  command->add_flag("--plain", *plain, "One JSON object per runbook");
  return
      [command, plain, &context] { return *command ? ListRunbooks(context, *plain, stdout) : -1; };
}

std::function<int()> AddShowCommand(CLI::App& app, NvsxContext& context) {
  auto slug = std::make_shared<std::string>();
  CLI::App* command =
      app.add_subcommand("show", "Show a runbook's stages, watch clauses, hooks and narration");
  command->add_option("runbook", *slug, "The runbook's name (its file's stem)")->required();
  return [command, slug, &context] { return *command ? ShowRunbook(context, *slug, stdout) : -1; };
}

}  // namespace nvsx::cmd
