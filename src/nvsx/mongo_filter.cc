#include "nvsx/mongo_filter.h"

#include <algorithm>
#include <array>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "core/str_cat.h"
#include "core/text.h"

namespace nvsx::op {
namespace {

constexpr std::array<std::string_view, 7> kValueConstructors = {
    "ObjectId", "ISODate", "NumberLong", "NumberInt", "NumberDecimal", "UUID", "Timestamp"};

// Query operators whose argument MongoDB runs as JavaScript on the server.
constexpr std::array<std::string_view, 3> kCodeOperators = {"$where", "$function", "$accumulator"};

constexpr char kAllowed[] =
    "a filter holds only field names, string/number/regex literals, true, false, null and "
    "ObjectId, ISODate, NumberLong, NumberInt, NumberDecimal, UUID or Timestamp";

// A name, a keyword or a number: letters, digits and what names and numbers
// carry ($gt, a.b, -1.5e3).
bool IsWordChar(char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == '$' || c == '.' || c == '-' || c == '+';
}

// The offset just past the literal that opens at `start` with `quote` (a
// string, or a regex when quote is '/'); npos when it is not closed.
size_t LiteralEnd(std::string_view text, size_t start, char quote) {
  for (size_t i = start + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote != '/') return i + 1;
      size_t end = i + 1;  // regex flags
      while (end < text.size() && absl::ascii_isalpha(text[end])) ++end;
      return end;
    }
  }
  return std::string_view::npos;
}

// True when the next character after `end` (past blanks) is ':' — the token
// that ends there is a field name.
bool IsKey(std::string_view text, size_t end) {
  while (end < text.size() && absl::ascii_isspace(text[end])) ++end;
  return end < text.size() && text[end] == ':';
}

// A field name (bare, or the inside of a quoted one) that opens at `at`.
absl::Status CheckKey(std::string_view key, size_t at) {
  if (key.find('\\') != std::string_view::npos) {
    return absl::InvalidArgumentError(core::StrCat("the field name at offset ", at,
                                                   " holds an escape: write field names plainly"));
  }
  if (std::ranges::find(kCodeOperators, key) != kCodeOperators.end()) {
    return absl::InvalidArgumentError(core::StrCat(
        key, " at offset ", at,
        " runs JavaScript on the server: use query operators ($eq, $in, $regex, ...) instead"));
  }
  return absl::OkStatus();
}

absl::Status Unexpected(std::string_view text, size_t at) {
  return absl::InvalidArgumentError(
      core::StrCat("'", text.substr(at, 1), "' at offset ", at, ": ", kAllowed));
}

// Checks the arguments of a constructor call whose '(' is at `open`: string
// and number literals only. Returns the offset just past the ')'.
absl::StatusOr<size_t> SkipConstructorArguments(std::string_view text, size_t open) {
  for (size_t i = open + 1; i < text.size();) {
    const char c = text[i];
    if (c == ')') return i + 1;
    if (absl::ascii_isspace(c) || c == ',') {
      ++i;
    } else if (c == '"' || c == '\'') {
      i = LiteralEnd(text, i, c);
      if (i == std::string_view::npos) return absl::InvalidArgumentError("a string is not closed");
    } else if (absl::ascii_isdigit(c) || c == '-' || c == '+' || c == '.') {
      while (i < text.size() && IsWordChar(text[i])) ++i;
    } else {
      return Unexpected(text, i);
    }
  }
  return absl::InvalidArgumentError("a bracket is not closed");
}

}  // namespace

absl::Status CheckMongoFilter(std::string_view filter) {
  filter = core::TrimWhitespace(filter);
  if (filter.size() < 2 || filter.front() != '{' || filter.back() != '}') {
    return absl::InvalidArgumentError(
        "must be one object literal, e.g. {isFatal: true} or {\"checkName\": \"GpuPcieWatch\"}");
  }
  std::string open;  // the brackets not closed yet
  for (size_t i = 0; i < filter.size();) {
    const char c = filter[i];
    if (absl::ascii_isspace(c) || c == ':' || c == ',') {
      ++i;
    } else if (c == '"' || c == '\'' || c == '/') {
      const size_t start = i;
      i = LiteralEnd(filter, i, c);
      if (i == std::string_view::npos) {
        return absl::InvalidArgumentError(c == '/' ? "a regex is not closed"
                                                   : "a string is not closed");
      }
      if (c != '/' && IsKey(filter, i)) {
        if (absl::Status key = CheckKey(filter.substr(start + 1, i - start - 2), start);
            !key.ok()) {
          return key;
        }
      }
    } else if (c == '{' || c == '[') {
      open += c;
      ++i;
    } else if (c == '}' || c == ']') {
      if (open.empty() || open.back() != (c == '}' ? '{' : '[')) {
        return absl::InvalidArgumentError(
            core::StrCat("unbalanced '", std::string(1, c), "' at offset ", i));
      }
      open.pop_back();
      if (open.empty() && i + 1 != filter.size()) {
        return absl::InvalidArgumentError(core::StrCat(
            "the object ends at offset ", i, " but text follows: one object literal only"));
      }
      ++i;
    } else if (IsWordChar(c)) {
      const size_t start = i;
      while (i < filter.size() && IsWordChar(filter[i])) ++i;
      if (IsKey(filter, i)) {
        if (absl::Status key = CheckKey(filter.substr(start, i - start), start); !key.ok()) {
          return key;
        }
        continue;
      }
      size_t next = i;
      while (next < filter.size() && absl::ascii_isspace(filter[next])) ++next;
      if (next == filter.size() || filter[next] != '(') continue;
      const std::string_view word = filter.substr(start, i - start);
      if (std::ranges::find(kValueConstructors, word) == kValueConstructors.end()) {
        return absl::InvalidArgumentError(core::StrCat("calls ", word, "() at offset ", start, ": ",
                                                       kAllowed, " (with literal arguments)"));
      }
      absl::StatusOr<size_t> after = SkipConstructorArguments(filter, next);
      if (!after.ok()) return after.status();
      i = *after;
    } else {
      return Unexpected(filter, i);
    }
  }
  if (!open.empty()) return absl::InvalidArgumentError("a bracket is not closed");
  return absl::OkStatus();
}

}  // namespace nvsx::op
