#include "common/flag_checks.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <system_error>

#include "core/str_cat.h"
#include "fmt/format.h"

namespace nvsx::cmd {
namespace {

constexpr int64_t kIntMax = std::numeric_limits<int>::max();

// The whole text as a T, or nothing ("", "1x", " 1" and "1.5" for an integer).
template <typename T>
std::optional<T> ParseWhole(const std::string& text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [stopped, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stopped != end) return std::nullopt;
  return value;
}

std::string NotANumber(const std::string& text, const std::string& wanted) {
  return core::StrCat("\"", text, "\" is not a number: give ", wanted);
}

}  // namespace

CLI::Validator WholeNumber(int64_t min, int64_t max) {
  const std::string wanted = max == kIntMax
                                 ? core::StrCat("a whole number of at least ", min)
                                 : core::StrCat("a whole number from ", min, " to ", max);
  auto check = [min, max, wanted](std::string& text) -> std::string {
    const std::optional<int64_t> value = ParseWhole<int64_t>(text);
    if (!value.has_value()) {
      // Digits too many for 64 bits are still a whole number, just out of range.
      const size_t sign = text.starts_with('-') ? 1 : 0;
      const bool digits =
          text.size() > sign &&
          std::all_of(text.begin() + sign, text.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) return NotANumber(text, wanted);
      return sign ? core::StrCat(text, " is out of range: give ", wanted)
                  : core::StrCat(text, " is too large: the most is ", max);
    }
    if (*value < min) return core::StrCat(text, " is out of range: give ", wanted);
    if (*value > max) return core::StrCat(text, " is too large: the most is ", max);
    return "";
  };
  const std::string help = max == kIntMax ? core::StrCat("INT >= ", min)
                                          : core::StrCat("INT in [", min, " - ", max, "]");
  return CLI::Validator(check, help);
}

CLI::Validator WholeNumberAtLeast(int64_t min) { return WholeNumber(min, kIntMax); }

CLI::Validator NumberAtLeast(double min) {
  const std::string wanted = core::StrCat("a number of at least ", min);
  auto check = [min, wanted](std::string& text) -> std::string {
    const std::optional<double> value = ParseWhole<double>(text);
    if (!value.has_value() || !std::isfinite(*value)) return NotANumber(text, wanted);
    if (*value < min) return core::StrCat(text, " is out of range: give ", wanted);
    return "";
  };
  return CLI::Validator(check, core::StrCat("NUMBER >= ", min));
}

CLI::Validator OneOf(std::vector<std::string> choices) {
  const std::string listed = fmt::format("{}", fmt::join(choices, ", "));
  auto check = [choices, listed](std::string& text) -> std::string {
    if (std::find(choices.begin(), choices.end(), text) != choices.end()) return "";
    return core::StrCat("\"", text, "\" is not one of: ", listed);
  };
  return CLI::Validator(check, core::StrCat("{", fmt::format("{}", fmt::join(choices, ",")), "}"));
}

}  // namespace nvsx::cmd
