#include "nvsx/expectation.h"

#include <charconv>
#include <optional>

#include "core/str_cat.h"
#include "core/text.h"

namespace nvsx::op {
namespace {

std::optional<double> Number(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

ExpectationResult MatchExpectation(std::string_view expect, std::string_view output) {
  const std::string_view got = core::TrimWhitespace(output);
  for (std::string_view op : {">=", "<=", "==", "!=", ">", "<"}) {
    if (!expect.starts_with(op)) continue;
    const std::string_view operand = core::TrimWhitespace(expect.substr(op.size()));
    if (op == "==" || op == "!=") {
      const bool equal = got == operand;
      return {equal == (op == "=="),
              core::StrCat("got \"", got, "\", want ", op, " \"", operand, "\"")};
    }
    const std::optional<double> want = Number(operand);
    if (!want) {
      return {false, core::StrCat("expect \"", expect, "\": \"", operand, "\" is not a number")};
    }
    const std::vector<std::string_view> values = core::SplitWhitespace(got);
    if (values.empty()) return {false, core::StrCat("got no output, want ", op, " ", operand)};
    for (std::string_view value : values) {
      const std::optional<double> number = Number(value);
      bool ok = false;
      if (number) {
        ok = op == ">="   ? *number >= *want
             : op == "<=" ? *number <= *want
             : op == ">"  ? *number > *want
                          : *number < *want;
      }
      if (!ok) return {false, core::StrCat("got \"", value, "\", want ", op, " ", operand)};
    }
    return {true, core::StrCat("got \"", got, "\", want ", op, " ", operand)};
  }
  const bool contains = got.find(expect) != std::string_view::npos;
  return {contains, core::StrCat("got \"", got, "\", want it to contain \"", expect, "\"")};
}

}  // namespace nvsx::op
