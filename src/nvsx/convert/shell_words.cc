#include "nvsx/convert/shell_words.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "core/str_cat.h"

namespace nvsx::convert {
namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::optional<Assignment> ParseAssignment(std::string_view command) {
  static const std::regex kAssignment(
      R"(^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s;&|]*)\s*$)");
  const std::string text(command);
  std::smatch match;
  if (!std::regex_match(text, match, kAssignment)) return std::nullopt;
  return Assignment{match[1].str(), match[2].str()};
}

std::vector<std::string> ReferencedVariables(std::string_view text) {
  std::vector<std::string> names;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '$') continue;
    size_t start = i + 1;
    if (text[start] == '{') ++start;
    size_t end = start;
    if (end >= text.size() || !IsNameStart(text[end])) continue;
    while (end < text.size() && IsNameChar(text[end])) ++end;
    std::string name(text.substr(start, end - start));
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    i = end - 1;
  }
  return names;
}

bool IsNodeVariable(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (std::string_view node : {"NODE", "NODE_NAME", "NODENAME", "TARGET_NODE", "HOST", "HOSTNAME",
                                "GPU_NODE", "NODE_ID"}) {
    if (upper == node) return true;
  }
  return false;
}

std::string ReplacePlaceholders(std::string_view command) {
  std::string out;
  char quote = 0;  // '\'' or '"' while inside quotes
  for (size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (c == '\\' && quote != '\'' && i + 1 < command.size()) {
      out += command.substr(i, 2);
      ++i;
      continue;
    }
    if ((c == '\'' || c == '"') && (quote == 0 || quote == c)) {
      quote = quote == 0 ? c : 0;
      out += c;
      continue;
    }
    if (c == '<' && i + 1 < command.size() && IsNameStart(command[i + 1])) {
      size_t end = i + 1;
      while (end < command.size() && (IsNameChar(command[end]) || command[end] == '-')) ++end;
      if (end < command.size() && command[end] == '>') {
        std::string name(command.substr(i + 1, end - i - 1));
        std::replace(name.begin(), name.end(), '-', '_');
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
        if (IsNodeVariable(name)) name = "NVSX_TARGET_NODE";
        const std::string expansion = core::StrCat("${", name, "}");
        out += quote == '"'    ? expansion
               : quote == '\'' ? core::StrCat("'\"", expansion, "\"'")
                               : core::StrCat("\"", expansion, "\"");
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}

}  // namespace nvsx::convert
