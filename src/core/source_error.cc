#include "core/source_error.h"

#include "core/str_cat.h"

namespace nvsx::core {

TextPosition PositionOfOffset(std::string_view text, size_t offset) {
  TextPosition position;
  const size_t end = offset < text.size() ? offset : text.size();
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

absl::Status SourceError(std::string_view source, TextPosition position, std::string_view message) {
  return absl::InvalidArgumentError(
      StrCat(source, ":", position.line, ":", position.column, ": ", message));
}

}  // namespace nvsx::core
