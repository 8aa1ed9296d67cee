#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nvsx::core {

// Reads a whole file. The error names the path and the OS reason.
absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path);

// Writes `contents` to `path` atomically (temporary file in the same
// directory, then rename), so readers never see a half-written file.
absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace nvsx::core
