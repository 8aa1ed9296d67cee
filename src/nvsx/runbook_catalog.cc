#include "nvsx/runbook_catalog.h"

#include <algorithm>
#include <system_error>

#include "absl/strings/str_join.h"
#include "core/str_cat.h"
#include "nvsx/runbook_loader.h"

namespace nvsx::op {
namespace {

namespace fs = std::filesystem;

bool IsDirectory(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

bool IsRunbookFile(const fs::path& path) {
  return path.extension() == ".yaml" || path.extension() == ".yml";
}

std::vector<fs::path> RunbookFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (auto it = fs::directory_iterator(dir, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    if (it->is_regular_file(error) && IsRunbookFile(it->path())) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.stem() < b.stem(); });
  return files;
}

RunbookPaths PathsOf(const RunbookLocation& location) {
  return {location.runbooks_dir, location.project_root};
}

}  // namespace

absl::StatusOr<RunbookLocation> LocateRunbooks(const RunbookSearch& search) {
  if (search.flag_dir) {
    const fs::path dir = fs::absolute(*search.flag_dir).lexically_normal();
    if (!IsDirectory(dir)) {
      return absl::InvalidArgumentError(
          core::StrCat("--runbooks ", search.flag_dir->string(), ": no such folder"));
    }
    return RunbookLocation{dir, dir.parent_path(), "--runbooks"};
  }
  if (std::optional<std::string> root = search.env.Get("NVSX_PROJECT_ROOT");
      root && !root->empty()) {
    const fs::path project = fs::absolute(*root).lexically_normal();
    if (!IsDirectory(project / "runbooks")) {
      return absl::InvalidArgumentError(core::StrCat("NVSX_PROJECT_ROOT=", *root,
                                                     ": it has no runbooks/ folder; run `nvsx init "
                                                     "<slug>` there or unset it"));
    }
    return RunbookLocation{project / "runbooks", project, "NVSX_PROJECT_ROOT"};
  }
  if (IsDirectory(search.cwd / "runbooks")) {
    return RunbookLocation{search.cwd / "runbooks", search.cwd, "./runbooks"};
  }
  if (!search.installed_dir.empty() && IsDirectory(search.installed_dir)) {
    return RunbookLocation{search.installed_dir, search.installed_dir.parent_path(), "installed"};
  }
  return absl::NotFoundError(
      "no runbooks: pass --runbooks DIR, set NVSX_PROJECT_ROOT, or run `nvsx init <slug>` to "
      "start a ./runbooks folder");
}

std::vector<CatalogEntry> LoadCatalog(const RunbookLocation& location) {
  std::vector<CatalogEntry> entries;
  for (const fs::path& file : RunbookFiles(location.runbooks_dir)) {
    entries.push_back({file.stem().string(), file, LoadRunbook(file, PathsOf(location))});
  }
  return entries;
}

absl::StatusOr<Runbook> LoadRunbookBySlug(const RunbookLocation& location, std::string_view slug) {
  std::vector<std::string> known;
  for (const fs::path& file : RunbookFiles(location.runbooks_dir)) {
    if (file.stem() == slug) return LoadRunbook(file, PathsOf(location));
    known.push_back(file.stem().string());
  }
  return absl::NotFoundError(
      core::StrCat("no runbook \"", slug, "\" in ", location.runbooks_dir.string(),
                   known.empty() ? std::string(" (it has none)")
                                 : core::StrCat("; there are: ", absl::StrJoin(known, ", "))));
}

}  // namespace nvsx::op
