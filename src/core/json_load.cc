#include "core/json_load.h"

#include <string>

#include "core/file_io.h"
#include "core/source_error.h"
#include "core/status_macros.h"

namespace nvsx::core {
namespace {

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at
// line 1, column 5: "; we report the position ourselves, so keep only the reason.
std::string_view ParseErrorReason(std::string_view what) {
  size_t colon = what.find(": ");
  return colon == std::string_view::npos ? what : what.substr(colon + 2);
}

}  // namespace

absl::StatusOr<nlohmann::json> ParseJson(std::string_view text, std::string_view source) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the 1-based index of the byte that failed to parse.
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    return SourceError(source, PositionOfOffset(text, offset), ParseErrorReason(e.what()));
  }
}

absl::StatusOr<nlohmann::json> LoadJsonFile(const std::filesystem::path& path) {
  NVSX_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseJson(text, path.string());
}

}  // namespace nvsx::core
