#include <unistd.h>

#include "nvsx/setup/terminal.h"

namespace nvsx::setup {

void StdioTerminal::Print(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

std::optional<std::string> StdioTerminal::ReadLine(std::string_view prompt) {
  Print(prompt);
  std::string line;
  int c;
  while ((c = std::fgetc(in_)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
  if (c == EOF && line.empty()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool StdioTerminal::Interactive() const { return ::isatty(::fileno(in_)) == 1; }

}  // namespace nvsx::setup
