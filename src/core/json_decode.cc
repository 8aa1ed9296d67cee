#include "core/json_decode.h"

#include <locale.h>
#include <stdlib.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/json_projection.h"
#include "core/str_cat.h"

namespace nvsx::core {
namespace {

using nlohmann::json;

// json::object() and json::array() go through the initializer-list
// constructor; these do not.
constexpr json::value_t kObject = json::value_t::object;
constexpr json::value_t kArray = json::value_t::array;

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

// Whether FirstFlagged() may be used: the tests above may flag bytes after
// the first flagged one wrongly (a borrow carries to more significant
// bytes), so only where those come later in memory is the lowest flag exact.
constexpr bool kFlagsInOrder = std::endian::native == std::endian::little;

// The offset of the first byte `special` (a mask from the tests above, not
// zero) flags in its word.
inline size_t FirstFlagged(uint64_t special) {
  return static_cast<size_t>(std::countr_zero(special)) / 8;
}

bool IsPlainStringByte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte != '"' && byte != '\\' && byte >= 0x20 && byte < 0x80;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

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

  // One value, with whitespace before it; with `whole`, only whitespace
  // after it too.
  bool Document(json& out, const JsonProjection* projection, bool whole) {
    SkipSpace();
    if (projection == nullptr) {
      if (!Value<true>(out, 0)) return false;
    } else {
      bool kept = false;
      if (!Narrowed(out, 0, *projection, kept)) return false;
      if (!kept) out = json(kObject);
    }
    if (!whole) return true;
    SkipSpace();
    if (p_ != end_) return Fail(StrCat("unexpected ", Describe(*p_), " after the document"));
    return true;
  }

  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
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

  // Compact JSON has no space between tokens: that case stays inline.
  [[gnu::always_inline]] void SkipSpace() {
    if (p_ < end_ && IsSpace(*p_)) SkipMoreSpace();
  }
  void SkipMoreSpace() {
    while (p_ < end_ && IsSpace(*p_)) ++p_;
  }

  bool Match(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return Unexpected("a value");
    }
    p_ += word.size();
    return true;
  }

  // The value at p_ into `out`; without kBuild it is only checked, and
  // `out` may be left holding anything.
  template <bool kBuild>
  bool Value(json& out, int depth) {
    if (p_ == end_) return Unexpected("a value");
    switch (*p_) {
      case '{':
        return Object<kBuild>(out, depth + 1);
      case '[':
        return Array<kBuild>(out, depth + 1);
      case '"':
        if constexpr (kBuild) {
          return StringValue(out);
        } else {
          return SkipString();
        }
      case 't':
        if constexpr (kBuild) out = true;
        return Match("true");
      case 'f':
        if constexpr (kBuild) out = false;
        return Match("false");
      case 'n':
        if constexpr (kBuild) out = nullptr;
        return Match("null");
      default:
        // Checking a number means converting it: one too large for a
        // double is an error.
        if (*p_ == '-' || IsDigit(*p_)) return Number(out);
        return Unexpected("a value");
    }
  }

  // The value at p_ narrowed by `projection` into `out`; *kept false when
  // the projection keeps nothing of it (`out` then holds anything).
  bool Narrowed(json& out, int depth, const JsonProjection& projection, bool& kept) {
    if (!NarrowedValue(out, depth, projection, kept)) return false;
    if (!kept && projection.empty_object_for_nothing) {
      out = json(kObject);
      kept = true;
    }
    return true;
  }

  bool NarrowedValue(json& out, int depth, const JsonProjection& projection, bool& kept) {
    using Keep = JsonProjection::Keep;
    kept = true;
    if (projection.keep == Keep::kAll) return Value<true>(out, depth);
    if (projection.keep != Keep::kNothing && p_ != end_) {
      if (*p_ == '{') return NarrowedObject(out, depth + 1, projection, kept);
      if (*p_ == '[' && projection.elements) {
        return NarrowedArray(out, depth + 1, projection, kept);
      }
      if (projection.keep == Keep::kAllBut) return Value<true>(out, depth);
    }
    kept = false;
    return Value<false>(out, depth);
  }

  template <bool kBuild>
  bool Object(json& out, int depth) {
    if (depth > max_depth_) return Fail(StrCat("nesting deeper than ", max_depth_));
    ++p_;  // '{'
    json::object_t* object = nullptr;
    if constexpr (kBuild) {
      out = json(kObject);
      object = out.get_ptr<json::object_t*>();
    }
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    std::string key_storage;
    while (true) {
      std::string_view key;
      if (!Key(key, key_storage)) return false;
      if constexpr (kBuild) {
        // Keys often arrive in order, so the end is a good hint; a repeated
        // key finds its slot and the later value replaces the earlier one.
        auto slot = object->emplace_hint(object->end(), std::string(key), nullptr);
        if (!Value<true>(slot->second, depth)) return false;
      } else if (!Value<false>(out, depth)) {
        return false;
      }
      bool done = false;
      if (!AfterMember(done)) return false;
      if (done) return true;
    }
  }

  // An object narrowed by `projection` (kSelected or kAllBut).
  bool NarrowedObject(json& out, int depth, const JsonProjection& projection, bool& kept) {
    if (depth > max_depth_) return Fail(StrCat("nesting deeper than ", max_depth_));
    ++p_;  // '{'
    out = json(kObject);
    auto& object = *out.get_ptr<json::object_t*>();
    const bool selected = projection.keep == JsonProjection::Keep::kSelected;
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      kept = !selected;
      return true;
    }
    std::string key_storage;
    json member;
    while (true) {
      std::string_view key;
      if (!Key(key, key_storage)) return false;
      const JsonProjection* field = projection.Field(key);
      if (field == nullptr) {
        if (selected) {
          if (!Value<false>(member, depth)) return false;
        } else {
          auto slot = object.emplace_hint(object.end(), std::string(key), nullptr);
          if (!Value<true>(slot->second, depth)) return false;
        }
      } else {
        bool member_kept = false;
        if (!Narrowed(member, depth, *field, member_kept)) return false;
        // A repeated key: the later value decides, kept or not.
        if (member_kept) {
          object.insert_or_assign(object.end(), std::string(key), std::move(member));
        } else if (auto earlier = object.find(key); earlier != object.end()) {
          object.erase(earlier);
        }
      }
      bool done = false;
      if (!AfterMember(done)) return false;
      if (done) break;
    }
    kept = !selected || !object.empty();
    return true;
  }

  // At a member's key: reads it, the ':' and the whitespace after. `key`
  // views the text, or `storage` where the key has anything to decode or
  // check (an escape, a UTF-8 sequence).
  bool Key(std::string_view& key, std::string& storage) {
    if (p_ == end_ || *p_ != '"') return Unexpected("'\"' to begin a key");
    const char* start = ++p_;
    SkipPlainRun();
    if (p_ < end_ && *p_ == '"') {
      key = std::string_view(start, static_cast<size_t>(p_ - start));
      ++p_;
    } else {
      storage.assign(start, static_cast<size_t>(p_ - start));
      if (!RestOfString<true>(storage)) return false;
      key = storage;
    }
    SkipSpace();
    if (p_ == end_ || *p_ != ':') return Unexpected("':'");
    ++p_;
    SkipSpace();
    return true;
  }

  // After a member: its ',' (and the whitespace after), or the object's
  // '}' (done).
  bool AfterMember(bool& done) {
    SkipSpace();
    if (p_ < end_ && *p_ == ',') {
      ++p_;
      SkipSpace();
      return true;
    }
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      done = true;
      return true;
    }
    return Unexpected("',' or '}'");
  }

  template <bool kBuild>
  bool Array(json& out, int depth) {
    if (depth > max_depth_) return Fail(StrCat("nesting deeper than ", max_depth_));
    ++p_;  // '['
    if constexpr (kBuild) out = json(kArray);
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    const size_t first = elements_.size();
    while (true) {
      if constexpr (kBuild) {
        json element;
        if (!Value<true>(element, depth)) return false;
        elements_.push_back(std::move(element));
      } else if (!Value<false>(out, depth)) {
        return false;
      }
      bool done = false;
      if (!AfterElement(done)) return false;
      if (done) break;
    }
    if constexpr (kBuild) TakeElements(first, out);
    return true;
  }

  // An array whose elements are narrowed by projection.elements.
  bool NarrowedArray(json& out, int depth, const JsonProjection& projection, bool& kept) {
    if (depth > max_depth_) return Fail(StrCat("nesting deeper than ", max_depth_));
    ++p_;  // '['
    out = json(kArray);
    bool any = false;
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
    } else {
      const size_t first = elements_.size();
      while (true) {
        json element;
        bool element_kept = false;
        if (!Narrowed(element, depth, *projection.elements, element_kept)) return false;
        if (!element_kept) element = json(kObject);
        any = any || element_kept;
        elements_.push_back(std::move(element));
        bool done = false;
        if (!AfterElement(done)) return false;
        if (done) break;
      }
      TakeElements(first, out);
    }
    kept = projection.keep != JsonProjection::Keep::kSelected || any;
    return true;
  }

  // Moves elements_[first..] to the array `out`. Elements wait there, on a
  // stack all arrays being decoded share, so that each array is allocated
  // once, at its size.
  void TakeElements(size_t first, json& out) {
    auto begin = elements_.begin() + static_cast<std::ptrdiff_t>(first);
    out.get_ptr<json::array_t*>()->assign(std::make_move_iterator(begin),
                                          std::make_move_iterator(elements_.end()));
    elements_.erase(begin, elements_.end());
  }

  // After an element: its ',' (and the whitespace after), or the array's
  // ']' (done).
  bool AfterElement(bool& done) {
    SkipSpace();
    if (p_ < end_ && *p_ == ',') {
      ++p_;
      SkipSpace();
      return true;
    }
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      done = true;
      return true;
    }
    return Unexpected("',' or ']'");
  }

  // At the opening '"': checks the string. (Escapes are decoded to be
  // checked, into unused_text_.)
  bool SkipString() {
    ++p_;
    unused_text_.clear();
    return RestOfString<false>(unused_text_);
  }

  // At the opening '"': the string, made at its size where it holds nothing
  // to decode.
  bool StringValue(json& out) {
    const char* start = ++p_;
    SkipPlainRun();
    if (p_ < end_ && *p_ == '"') {
      out = std::string(start, static_cast<size_t>(p_ - start));
      ++p_;
      return true;
    }
    std::string text(start, static_cast<size_t>(p_ - start));
    if (!RestOfString<true>(text)) return false;
    out = std::move(text);
    return true;
  }

  // Inside a string: appends the decoded rest of it to `out` (without
  // kBuild, only escapes) and moves past its closing '"'.
  template <bool kBuild>
  bool RestOfString(std::string& out) {
    while (true) {
      const char* run = p_;
      SkipPlainRun();
      if constexpr (kBuild) out.append(run, static_cast<size_t>(p_ - run));
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
      } else if (!Utf8Sequence<kBuild>(out)) {
        return false;
      }
    }
  }

  // Moves p_ past the bytes a string holds as they are (IsPlainStringByte).
  void SkipPlainRun() {
    uint64_t special = 0;
    while (end_ - p_ >= 8 && (special = EndsPlainRun(p_)) == 0) p_ += 8;
    if (kFlagsInOrder && special != 0) {
      p_ += FirstFlagged(special);
    } else {
      while (p_ < end_ && IsPlainStringByte(*p_)) ++p_;
    }
  }

  // At a byte >= 0x80: one well-formed UTF-8 sequence (RFC 3629: no
  // overlong forms, no surrogates, nothing past U+10FFFF).
  template <bool kBuild>
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
    if constexpr (kBuild) out.append(start, static_cast<size_t>(p_ - start));
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

  // At the '\\': appends what it stands for to `out`.
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
  std::string unused_text_;     // where checked-only strings' escapes go
  std::vector<json> elements_;  // see TakeElements
};

}  // namespace

size_t PlainStringBytes(std::string_view text) {
  const char* p = text.data();
  const char* const end = p + text.size();
  uint64_t special = 0;
  while (end - p >= 8 && (special = QuoteOrBackslash(p)) == 0) p += 8;
  if (kFlagsInOrder && special != 0) {
    return static_cast<size_t>(p - text.data()) + FirstFlagged(special);
  }
  while (p < end && *p != '"' && *p != '\\') ++p;
  return static_cast<size_t>(p - text.data());
}

namespace {

absl::StatusOr<nlohmann::json> Decode(std::string_view text, const JsonDecodeOptions& options,
                                      bool whole, size_t* end, JsonSyntaxError* error) {
  Decoder decoder(text, options.max_depth);
  json out;
  if (!decoder.Document(out, options.projection, whole)) {
    if (error != nullptr) *error = decoder.error();
    return absl::InvalidArgumentError(
        StrCat("JSON: ", decoder.error().reason, " at byte ", decoder.error().offset));
  }
  if (end != nullptr) *end = decoder.offset();
  return out;
}

}  // namespace

absl::StatusOr<nlohmann::json> DecodeJson(std::string_view text, const JsonDecodeOptions& options,
                                          JsonSyntaxError* error) {
  return Decode(text, options, /*whole=*/true, nullptr, error);
}

absl::StatusOr<nlohmann::json> DecodeJsonPrefix(std::string_view text, size_t* end,
                                                const JsonDecodeOptions& options,
                                                JsonSyntaxError* error) {
  return Decode(text, options, /*whole=*/false, end, error);
}

}  // namespace nvsx::core
