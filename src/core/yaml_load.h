#pragma once

#include <filesystem>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace nvsx::core {

// Parses one YAML document. Errors read "source:line:col: what went wrong".
absl::StatusOr<YAML::Node> ParseYaml(std::string_view text, std::string_view source);

// Reads and parses a YAML file; errors name the file, line and column.
absl::StatusOr<YAML::Node> LoadYamlFile(const std::filesystem::path& path);

// An error about `node` (a value inside a parsed document), placed at the
// node's line and column: "source:line:col: field: message".
absl::Status YamlFieldError(std::string_view source, const YAML::Node& node, std::string_view field,
                            std::string_view message);

// Converts a YAML node to JSON with YAML 1.2 core-schema typing: plain scalars
// become null, booleans, integers or floats where they read as such; quoted
// scalars stay strings. Mapping keys are always strings.
nlohmann::json YamlToJson(const YAML::Node& node);

}  // namespace nvsx::core
