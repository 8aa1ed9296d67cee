#pragma once

// The starter runbooks `nvsx setup` offers, and copying the chosen ones into
// a project without ever overwriting a file the user changed unless asked.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nvsx::setup {

struct StarterRunbook {
  std::string slug;
  std::string title;
  // Relative to the starter folder: the YAML, the hooks and action scripts it
  // names that live in the folder, and every helper in hooks/lib (which hooks
  // source, so no YAML names them).
  std::vector<std::filesystem::path> files;
};

// The runbooks in `starter_dir`, sorted by slug. A starter that does not load
// is an error: the set ships with nvsx and must be whole.
absl::StatusOr<std::vector<StarterRunbook>> ListStarters(const std::filesystem::path& starter_dir);

enum class FileAction {
  kCreate,    // not there yet
  kSame,      // there with the same bytes: nothing to do
  kConflict,  // there and different: kept unless overwriting was asked for
};

struct ScaffoldFile {
  std::filesystem::path from;
  std::filesystem::path to;
  FileAction action;
};

struct ScaffoldPlan {
  std::vector<ScaffoldFile> files;  // each file once, though runbooks share hooks
  int Count(FileAction action) const;
};

// What copying `chosen` from `starter_dir` into `runbooks_dir` would do.
ScaffoldPlan PlanScaffold(const std::filesystem::path& starter_dir,
                          const std::vector<StarterRunbook>& chosen,
                          const std::filesystem::path& runbooks_dir);

// Writes the plan's kCreate files (and its kConflict files when
// `overwrite_conflicts`), keeping each file's permissions; returns the paths
// written.
absl::StatusOr<std::vector<std::filesystem::path>> ApplyScaffold(const ScaffoldPlan& plan,
                                                                 bool overwrite_conflicts);

}  // namespace nvsx::setup
