#pragma once

#include <filesystem>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace nvsx::core {

// Parses JSON text. On error the status reads "source:line:col: what went wrong".
absl::StatusOr<nlohmann::json> ParseJson(std::string_view text, std::string_view source);

// Reads and parses a JSON file; errors name the file, line and column.
absl::StatusOr<nlohmann::json> LoadJsonFile(const std::filesystem::path& path);

}  // namespace nvsx::core
