#pragma once

// The commands a Markdown runbook contains, with where they stand: the
// section they are under and their line, so a converter can place them and
// say which it could not.

#include <string>
#include <string_view>
#include <vector>

namespace nvsx::convert {

struct MarkdownCommand {
  int line = 0;      // 1-based line of the command's first line
  std::string text;  // continuation lines (ending in \) joined, "$ " prompt removed
  std::vector<std::string> headings;  // the section it is under, outermost first
  bool in_code_block = false;         // false: an inline `code span` in prose
};

struct MarkdownRunbook {
  std::string title;    // the first heading
  std::string summary;  // the first paragraph of prose, on one line
  std::vector<MarkdownCommand> commands;
  std::vector<int> xids;  // XID numbers the text mentions ("XID 79", "Xid 48"), each once
};

// Reads commands from fenced code blocks (``` or ~~~; blank lines and shell
// comments skipped) and from inline code spans in prose.
MarkdownRunbook ParseMarkdownRunbook(std::string_view markdown);

}  // namespace nvsx::convert
