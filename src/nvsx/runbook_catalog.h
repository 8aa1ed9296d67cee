#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/environment.h"
#include "nvsx/runbook.h"

namespace nvsx::op {

// Where to look for runbooks, in the order nvsx tries them.
struct RunbookSearch {
  std::optional<std::filesystem::path> flag_dir;  // --runbooks DIR
  core::Environment env;                          // NVSX_PROJECT_ROOT
  std::filesystem::path cwd;                      // ./runbooks
  std::filesystem::path installed_dir;            // the starter set: PREFIX/share/nvsx/runbooks
};

// The folder runbooks come from and the project they belong to (hooks and
// actions resolve against both; hooks get it as NVSX_PROJECT_ROOT).
struct RunbookLocation {
  std::filesystem::path runbooks_dir;
  std::filesystem::path project_root;
  std::string origin;  // "--runbooks", "NVSX_PROJECT_ROOT", "./runbooks", "installed"
};

// --runbooks DIR (must exist), else $NVSX_PROJECT_ROOT/runbooks (must exist
// when set), else ./runbooks, else the installed starter set.
absl::StatusOr<RunbookLocation> LocateRunbooks(const RunbookSearch& search);

struct CatalogEntry {
  std::string slug;  // the file's stem: how users name the runbook
  std::filesystem::path file;
  absl::StatusOr<Runbook> runbook;  // or why it does not load
};

// Every *.yaml and *.yml file directly in the folder, loaded, sorted by slug.
std::vector<CatalogEntry> LoadCatalog(const RunbookLocation& location);

// The runbook named `slug`; NotFound lists the names there are.
absl::StatusOr<Runbook> LoadRunbookBySlug(const RunbookLocation& location, std::string_view slug);

}  // namespace nvsx::op
