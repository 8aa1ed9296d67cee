#include "core/duration.h"

#include <cctype>
#include <cstdint>

#include "core/str_cat.h"

namespace nvsx::core {
namespace {

constexpr char kAcceptedForm[] =
    "use a number followed by ms, s, m or h, e.g. \"90s\", \"2m\", \"1h30m\"";

absl::Status DurationError(std::string_view text, std::string_view reason) {
  return absl::InvalidArgumentError(
      StrCat("invalid duration \"", text, "\": ", reason, "; ", kAcceptedForm));
}

// The unit that starts at `rest`, longest match first ("ms" before "m").
struct Unit {
  std::string_view name;
  absl::Duration size;
};
constexpr Unit kUnits[] = {
    {"ms", absl::Milliseconds(1)},
    {"h", absl::Hours(1)},
    {"m", absl::Minutes(1)},
    {"s", absl::Seconds(1)},
};

}  // namespace

absl::StatusOr<absl::Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return DurationError(text, "it is empty");
  if (text == "0") return absl::ZeroDuration();
  absl::Duration total = absl::ZeroDuration();
  size_t i = 0;
  while (i < text.size()) {
    const size_t number_start = i;
    uint64_t whole = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (whole > (UINT64_MAX - 9) / 10) return DurationError(text, "the number is too large");
      whole = whole * 10 + static_cast<uint64_t>(text[i] - '0');
      ++i;
    }
    double fraction = 0;
    if (i < text.size() && text[i] == '.') {
      ++i;
      double scale = 0.1;
      const size_t fraction_start = i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        fraction += scale * (text[i] - '0');
        scale /= 10;
        ++i;
      }
      if (i == fraction_start) {
        return DurationError(text, StrCat("expected digits after '.' at position ", i + 1));
      }
    }
    if (i == number_start) {
      if (text[i] == '-') return DurationError(text, "negative durations are not allowed");
      return DurationError(text, StrCat("expected a number at position ", i + 1, ", found '",
                                        text.substr(i, 1), "'"));
    }
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (text.substr(i, candidate.name.size()) == candidate.name) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) {
      size_t unit_end = i;
      while (unit_end < text.size() && !std::isdigit(static_cast<unsigned char>(text[unit_end]))) {
        ++unit_end;
      }
      if (unit_end == i) {
        return DurationError(text, StrCat("missing unit after \"",
                                          text.substr(number_start, i - number_start), "\""));
      }
      return DurationError(
          text, StrCat("unknown unit \"", text.substr(i, unit_end - i), "\" at position ", i + 1));
    }
    i += unit->name.size();
    if (whole > static_cast<uint64_t>(absl::ToInt64Milliseconds(absl::Hours(24 * 365 * 100)))) {
      return DurationError(text, "the duration is too large");
    }
    total += unit->size * static_cast<int64_t>(whole) + unit->size * fraction;
  }
  if (total > absl::Hours(24 * 365 * 100)) return DurationError(text, "the duration is too large");
  return total;
}

std::string DurationString(absl::Duration duration) {
  if (duration == absl::ZeroDuration()) return "0s";
  std::string out;
  if (duration < absl::ZeroDuration()) {
    out = "-";
    duration = -duration;
  }
  const int64_t hours = absl::IDivDuration(duration, absl::Hours(1), &duration);
  const int64_t minutes = absl::IDivDuration(duration, absl::Minutes(1), &duration);
  const int64_t seconds = absl::IDivDuration(duration, absl::Seconds(1), &duration);
  const int64_t millis = absl::IDivDuration(duration, absl::Milliseconds(1), &duration);
  if (hours > 0) StrAppend(&out, hours, "h");
  if (minutes > 0) StrAppend(&out, minutes, "m");
  if (seconds > 0) StrAppend(&out, seconds, "s");
  if (millis > 0) StrAppend(&out, millis, "ms");
  if (out.empty() || out == "-") StrAppend(&out, "0s");
  return out;
}

}  // namespace nvsx::core
