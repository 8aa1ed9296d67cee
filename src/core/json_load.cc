#include "core/json_load.h"

#include <string>

#include "core/file_io.h"
#include "core/json_decode.h"
#include "core/source_error.h"
#include "core/status_macros.h"

namespace nvsx::core {

absl::StatusOr<nlohmann::json> ParseJson(std::string_view text, std::string_view source) {
  JsonSyntaxError error;
  absl::StatusOr<nlohmann::json> decoded = DecodeJson(text, {}, &error);
  if (decoded.ok()) return decoded;
  return SourceError(source, PositionOfOffset(text, error.offset), error.reason);
}

absl::StatusOr<nlohmann::json> LoadJsonFile(const std::filesystem::path& path) {
  NVSX_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseJson(text, path.string());
}

}  // namespace nvsx::core
