#pragma once

// A JSON parser that builds nlohmann::json values. nlohmann's own parser
// reads one byte at a time through a lexer that copies every token for its
// error messages; watch streams and API bodies are decoded on every event,
// so this one scans runs of plain bytes at once and builds the value in
// place. It accepts exactly RFC 8259 JSON (UTF-8 checked, no trailing
// commas, no comments) and gives the values nlohmann::json::parse gives:
// a non-negative integer is number_unsigned, a negative one number_integer,
// one that overflows 64 bits a double, and of duplicate keys the last wins.

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/json_projection.h"
#include "nlohmann/json.hpp"

namespace nvsx::core {

// Where and why text is not JSON.
struct JsonSyntaxError {
  size_t offset = 0;  // of the byte that does not fit (text.size() when it ended early)
  std::string reason;
};

struct JsonDecodeOptions {
  // Deeper nesting is an error rather than a stack overflow.
  int max_depth = 512;
  // When set, only what it keeps is built (the result is as Project() gives
  // of the whole value); the rest is checked as strictly, but not built.
  // Must outlive the call.
  const JsonProjection* projection = nullptr;
};

// Decodes one JSON document (whitespace around it allowed). On error the
// status (InvalidArgument) reads "JSON: <reason> at byte <offset>", and
// *error, when given, gets the offset and reason.
absl::StatusOr<nlohmann::json> DecodeJson(std::string_view text,
                                          const JsonDecodeOptions& options = {},
                                          JsonSyntaxError* error = nullptr);

// Decodes the JSON value at the start of `text` (whitespace before it
// allowed), which may go on past it; *end gets the offset just past the
// value. Errors as DecodeJson's.
absl::StatusOr<nlohmann::json> DecodeJsonPrefix(std::string_view text, size_t* end,
                                                const JsonDecodeOptions& options = {},
                                                JsonSyntaxError* error = nullptr);

// How many bytes at the start of `text` are neither '"' nor '\\': within a
// JSON string, where it may end or an escape begins. For scanners that only
// need to find where a document ends.
size_t PlainStringBytes(std::string_view text);

}  // namespace nvsx::core
