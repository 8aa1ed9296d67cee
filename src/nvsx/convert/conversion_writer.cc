#include "nvsx/convert/conversion_writer.h"

#include <system_error>

#include "absl/strings/str_join.h"
#include "core/file_io.h"
#include "core/str_cat.h"

namespace nvsx::convert {

namespace fs = std::filesystem;

absl::StatusOr<std::vector<fs::path>> WriteConversion(const Conversion& conversion,
                                                      const fs::path& runbooks_dir, bool force) {
  std::vector<std::pair<fs::path, const std::string*>> files = {
      {runbooks_dir / core::StrCat(conversion.slug, ".yaml"), &conversion.runbook_yaml}};
  for (const HookScript& hook : conversion.hooks) {
    files.emplace_back(runbooks_dir / "hooks" / conversion.slug / hook.name, &hook.text);
  }
  std::vector<std::string> existing;
  std::error_code error;
  for (const auto& [path, text] : files) {
    if (fs::exists(path, error)) existing.push_back(path.string());
  }
  if (!existing.empty() && !force) {
    return absl::InvalidArgumentError(
        core::StrCat(absl::StrJoin(existing, ", "),
                     " already exist(s); nothing was written. Pass --force to "
                     "overwrite, or --out DIR to write elsewhere"));
  }
  std::vector<fs::path> written;
  for (const auto& [path, text] : files) {
    fs::create_directories(path.parent_path(), error);
    if (error) {
      return absl::FailedPreconditionError(
          core::StrCat(path.parent_path().string(), ": ", error.message()));
    }
    if (absl::Status status = core::WriteFileAtomically(path, *text); !status.ok()) return status;
    if (path.extension() == ".sh") {
      fs::permissions(path,
                      fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec,
                      error);
    }
    written.push_back(path);
  }
  return written;
}

}  // namespace nvsx::convert
