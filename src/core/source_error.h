#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace nvsx::core {

// A 1-based line and column in a text.
struct TextPosition {
  int line = 1;
  int column = 1;
};

// The position of byte `offset` (0-based) in `text`; an offset past the end
// maps to the position just after the last character.
TextPosition PositionOfOffset(std::string_view text, size_t offset);

// An InvalidArgument status in the compiler-style form "source:line:col: message",
// which editors and people can jump to. `source` is usually a file path.
absl::Status SourceError(std::string_view source, TextPosition position, std::string_view message);

}  // namespace nvsx::core
