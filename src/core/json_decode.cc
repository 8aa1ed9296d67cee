#include "core/json_decode.h"

#include <locale.h>
#include <stdlib.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "core/str_cat.h"

namespace nvsx::core {
namespace {

using nlohmann::json;

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Nonzero when any byte of `word` is zero.
constexpr uint64_t AnyZeroByte(uint64_t word) { return (word - kOnes) & ~word & kHighBits; }

uint64_t Load8(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// Nonzero when any of the 8 bytes at `p` is '"' or '\\'.
inline uint64_t QuoteOrBackslash(const char* p) {
  const uint64_t word = Load8(p);
  return AnyZeroByte(word ^ ('"' * kOnes)) | AnyZeroByte(word ^ ('\\' * kOnes));
}

// Nonzero when any of the 8 bytes at `p` ends a plain run in a string: '"',
// '\\', a control character, or a byte of a multi-byte UTF-8 sequence.
inline uint64_t EndsPlainRun(const char* p) {
  const uint64_t word = Load8(p);
  const uint64_t control = (word - 0x20 * kOnes) & ~word & kHighBits;
  return (word & kHighBits) | control | QuoteOrBackslash(p);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Describe(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f) return StrCat("'", std::string(1, c), "'");
  return absl::StrFormat("byte 0x%02X", byte);
}

void AppendUtf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

class Decoder {
 public:
  Decoder(std::string_view text, int max_depth)
      : begin_(text.data()), p_(begin_), end_(begin_ + text.size()), max_depth_(max_depth) {}

  bool Document(json& out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    if (p_ != end_) return Fail(StrCat("unexpected ", Describe(*p_), " after the document"));
    return true;
  }

  const JsonSyntaxError& error() const { return error_; }

 private:
  bool Fail(std::string reason) {
    error_.offset = static_cast<size_t>(p_ - begin_);
    error_.reason = std::move(reason);
    return false;
  }
  bool Unexpected(std::string_view expected) {
    if (p_ == end_) return Fail(StrCat("unexpected end of input; expected ", expected));
    return Fail(StrCat("unexpected ", Describe(*p_), "; expected ", expected));
  }

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Match(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return Unexpected("a value");
    }
    p_ += word.size();
    return true;
  }

  bool Value(json& out, int depth) {
    if (p_ == end_) return Unexpected("a value");
    switch (*p_) {
      case '{':
        return Object(out, depth + 1);
      case '[':
        return Array(out, depth + 1);
      case '"':
        out = std::string();
        return String(out.get_ref<std::string&>());
      case 't':
        out = true;
        return Match("true");
      case 'f':
        out = false;
        return Match("false");
      case 'n':
        out = nullptr;
        return Match("null");
      default:
        if (*p_ == '-' || IsDigit(*p_)) return Number(out);
        return Unexpected("a value");
    }
  }

  bool Object(json& out, int depth) {
    if (depth > max_depth_) return Fail(StrCat("nesting deeper than ", max_depth_));
    ++p_;  // '{'
    out = json::object();
    auto& object = *out.get_ptr<json::object_t*>();
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    std::string key;
    while (true) {
      if (p_ == end_ || *p_ != '"') return Unexpected("'\"' to begin a key");
      key.clear();
      if (!String(key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return Unexpected("':'");
      ++p_;
      SkipSpace();
      // Keys often arrive in order, so the end is a good hint; a repeated
      // key finds its slot and the later value replaces the earlier one.
      auto slot = object.try_emplace(object.end(), std::move(key));
      if (!Value(slot->second, depth)) return false;
      SkipSpace();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      if (p_ < end_ && *p_ == '}') {
        ++p_;
        return true;
      }
      return Unexpected("',' or '}'");
    }
  }

  bool Array(json& out, int depth) {
    if (depth > max_depth_) return Fail(StrCat("nesting deeper than ", max_depth_));
    ++p_;  // '['
    out = json::array();
    auto& array = *out.get_ptr<json::array_t*>();
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      array.emplace_back();
      if (!Value(array.back(), depth)) return false;
      SkipSpace();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      if (p_ < end_ && *p_ == ']') {
        ++p_;
        return true;
      }
      return Unexpected("',' or ']'");
    }
  }

  // At the opening '"'; appends the decoded text to `out`.
  bool String(std::string& out) {
    ++p_;
    while (true) {
      const char* run = p_;
      while (end_ - p_ >= 8 && EndsPlainRun(p_) == 0) p_ += 8;
      while (p_ < end_) {
        const auto c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      out.append(run, static_cast<size_t>(p_ - run));
      if (p_ == end_) return Fail("unexpected end of input inside a string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!Escape(out)) return false;
      } else if (c < 0x20) {
        return Fail(absl::StrFormat("control character U+%04X in a string must be escaped", c));
      } else if (!Utf8Sequence(out)) {
        return false;
      }
    }
  }

  // At a byte >= 0x80: one well-formed UTF-8 sequence (RFC 3629: no
  // overlong forms, no surrogates, nothing past U+10FFFF).
  bool Utf8Sequence(std::string& out) {
    const auto lead = static_cast<unsigned char>(*p_);
    int continuation = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      continuation = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      continuation = 2;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      continuation = 3;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return Fail(absl::StrFormat("invalid UTF-8 byte 0x%02X in a string", lead));
    }
    const char* start = p_++;
    for (int i = 0; i < continuation; ++i, ++p_) {
      if (p_ == end_) return Fail("unexpected end of input inside a UTF-8 sequence");
      const auto byte = static_cast<unsigned char>(*p_);
      if (byte < low || byte > high) {
        return Fail(absl::StrFormat("invalid UTF-8 byte 0x%02X in a string", byte));
      }
      low = 0x80;
      high = 0xBF;
    }
    out.append(start, static_cast<size_t>(p_ - start));
    return true;
  }

  // Four hex digits at p_.
  bool Hex4(uint32_t& value) {
    if (end_ - p_ < 4) {
      p_ = end_;
      return Fail("unexpected end of input inside a \\u escape");
    }
    value = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      const char c = *p_;
      value <<= 4;
      if (IsDigit(c)) {
        value |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Unexpected("a hex digit in a \\u escape");
      }
    }
    return true;
  }

  // At the '\\'.
  bool Escape(std::string& out) {
    ++p_;
    if (p_ == end_) return Fail("unexpected end of input inside an escape");
    const char c = *p_++;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out += c;
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        --p_;
        return Fail(StrCat("invalid escape '\\", std::string(1, c), "' in a string"));
    }
    uint32_t code_point = 0;
    if (!Hex4(code_point)) return false;
    if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
      return Fail(
          absl::StrFormat("\\u%04X is a low surrogate without a high one before it", code_point));
    }
    if (code_point >= 0xD800 && code_point <= 0xDBFF) {
      uint32_t low = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
        return Fail(absl::StrFormat("\\u%04X must be followed by a low surrogate \\uDC00-\\uDFFF",
                                    code_point));
      }
      p_ += 2;
      if (!Hex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) {
        return Fail(absl::StrFormat("\\u%04X must be followed by a low surrogate \\uDC00-\\uDFFF",
                                    code_point));
      }
      code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(out, code_point);
    return true;
  }

  bool Digits(std::string_view after) {
    if (p_ == end_ || !IsDigit(*p_)) return Unexpected(StrCat("a digit after ", after));
    while (p_ < end_ && IsDigit(*p_)) ++p_;
    return true;
  }

  bool Number(json& out) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ < end_ && *p_ == '0') {
      ++p_;
    } else if (!Digits("'-'")) {
      return false;
    }
    bool integer = true;
    if (p_ < end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (!Digits("'.'")) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!Digits("the exponent's 'e'")) return false;
    }
    if (integer) {
      if (negative) {
        int64_t value = 0;
        if (std::from_chars(start, p_, value).ec == std::errc()) {
          out = value;
          return true;
        }
      } else {
        uint64_t value = 0;
        if (std::from_chars(start, p_, value).ec == std::errc()) {
          out = value;
          return true;
        }
      }
      // Past 64 bits: a double, as nlohmann gives.
    }
    double value = 0;
    if (std::from_chars(start, p_, value).ec == std::errc()) {
      out = value;
      return true;
    }
    // Out of range for from_chars. strtod, as nlohmann uses, rounds what is
    // too small to zero (or a subnormal) and makes what is too large
    // infinite, which nlohmann refuses; the C locale keeps '.' the point.
    const std::string text(start, p_);
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", locale_t{});
    value = strtod_l(text.c_str(), nullptr, c_locale);
    freelocale(c_locale);
    if (!std::isfinite(value)) {
      p_ = start;
      return Fail(StrCat("number overflow: ", text, " is too large for a double"));
    }
    out = value;
    return true;
  }

  const char* const begin_;
  const char* p_;
  const char* const end_;
  const int max_depth_;
  JsonSyntaxError error_;
};

}  // namespace

size_t PlainStringBytes(std::string_view text) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (end - p >= 8 && QuoteOrBackslash(p) == 0) p += 8;
  while (p < end && *p != '"' && *p != '\\') ++p;
  return static_cast<size_t>(p - text.data());
}

absl::StatusOr<nlohmann::json> DecodeJson(std::string_view text, const JsonDecodeOptions& options,
                                          JsonSyntaxError* error) {
  Decoder decoder(text, options.max_depth);
  json out;
  if (!decoder.Document(out)) {
    if (error != nullptr) *error = decoder.error();
    return absl::InvalidArgumentError(
        StrCat("JSON: ", decoder.error().reason, " at byte ", decoder.error().offset));
  }
  return out;
}

}  // namespace nvsx::core
