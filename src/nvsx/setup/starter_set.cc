#include "nvsx/setup/starter_set.h"

#include <algorithm>
#include <set>
#include <system_error>

#include "core/file_io.h"
#include "core/str_cat.h"
#include "nvsx/runbook_catalog.h"

namespace nvsx::setup {
namespace {

namespace fs = std::filesystem;

// `path` relative to `base` when it lies inside it.
std::optional<fs::path> Inside(const fs::path& base, const fs::path& path) {
  const fs::path relative = path.lexically_normal().lexically_relative(base.lexically_normal());
  if (relative.empty() || *relative.begin() == "..") return std::nullopt;
  return relative;
}

std::vector<fs::path> HookLibrary(const fs::path& starter_dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(starter_dir / "hooks" / "lib", error)) {
    if (entry.is_regular_file())
      files.push_back(fs::path("hooks") / "lib" / entry.path().filename());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int ScaffoldPlan::Count(FileAction action) const {
  return static_cast<int>(std::count_if(
      files.begin(), files.end(), [action](const ScaffoldFile& f) { return f.action == action; }));
}

absl::StatusOr<std::vector<StarterRunbook>> ListStarters(const fs::path& starter_dir) {
  std::error_code error;
  if (!fs::is_directory(starter_dir, error)) {
    return absl::NotFoundError(core::StrCat(
        "starter runbooks: ", starter_dir.string(),
        " is not a folder; pass --starters DIR (the runbooks/ folder of an nvsx checkout)"));
  }
  const op::RunbookLocation location{starter_dir, starter_dir.parent_path(), "starters"};
  const std::vector<fs::path> library = HookLibrary(starter_dir);
  std::vector<StarterRunbook> starters;
  for (op::CatalogEntry& entry : op::LoadCatalog(location)) {
    if (!entry.runbook.ok()) {
      return absl::FailedPreconditionError(
          core::StrCat("starter runbook does not load: ", entry.runbook.status().message()));
    }
    StarterRunbook starter;
    starter.slug = entry.slug;
    starter.title = entry.runbook->metadata.title;
    starter.files.push_back(entry.file.filename());
    for (const op::Stage& stage : entry.runbook->stages) {
      for (const auto& script :
           {stage.hook, stage.action ? std::optional(stage.action->script) : std::nullopt}) {
        if (!script) continue;
        if (std::optional<fs::path> relative = Inside(starter_dir, *script)) {
          starter.files.push_back(*relative);
        }
      }
    }
    starter.files.insert(starter.files.end(), library.begin(), library.end());
    starters.push_back(std::move(starter));
  }
  return starters;
}

ScaffoldPlan PlanScaffold(const fs::path& starter_dir, const std::vector<StarterRunbook>& chosen,
                          const fs::path& runbooks_dir) {
  ScaffoldPlan plan;
  std::set<fs::path> seen;
  for (const StarterRunbook& starter : chosen) {
    for (const fs::path& file : starter.files) {
      if (!seen.insert(file).second) continue;
      ScaffoldFile scaffold{starter_dir / file, runbooks_dir / file, FileAction::kCreate};
      std::error_code error;
      if (fs::exists(scaffold.to, error)) {
        absl::StatusOr<std::string> ours = core::ReadFile(scaffold.from);
        absl::StatusOr<std::string> theirs = core::ReadFile(scaffold.to);
        scaffold.action = ours.ok() && theirs.ok() && *ours == *theirs ? FileAction::kSame
                                                                       : FileAction::kConflict;
      }
      plan.files.push_back(std::move(scaffold));
    }
  }
  return plan;
}

absl::StatusOr<std::vector<fs::path>> ApplyScaffold(const ScaffoldPlan& plan,
                                                    bool overwrite_conflicts) {
  std::vector<fs::path> written;
  for (const ScaffoldFile& file : plan.files) {
    if (file.action == FileAction::kSame) continue;
    if (file.action == FileAction::kConflict && !overwrite_conflicts) continue;
    absl::StatusOr<std::string> text = core::ReadFile(file.from);
    if (!text.ok()) return text.status();
    std::error_code error;
    fs::create_directories(file.to.parent_path(), error);
    if (error) {
      return absl::FailedPreconditionError(
          core::StrCat(file.to.parent_path().string(), ": ", error.message()));
    }
    if (absl::Status status = core::WriteFileAtomically(file.to, *text); !status.ok()) {
      return status;
    }
    fs::permissions(file.to, fs::status(file.from, error).permissions(), error);
    written.push_back(file.to);
  }
  return written;
}

}  // namespace nvsx::setup
