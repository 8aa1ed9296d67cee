#include "nvsx/convert/markdown_commands.h"

#include <algorithm>
#include <regex>

#include "core/text.h"

namespace nvsx::convert {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// "## Drain the node" -> level 2, "Drain the node"; level 0 when not a heading.
int HeadingLevel(std::string_view line, std::string* title) {
  int level = 0;
  while (level < static_cast<int>(line.size()) && line[level] == '#') ++level;
  if (level == 0 || level > 6 || level >= static_cast<int>(line.size()) || line[level] != ' ') {
    return 0;
  }
  *title = std::string(core::TrimWhitespace(line.substr(level)));
  return level;
}

bool IsFence(std::string_view line) {
  const std::string_view trimmed = core::TrimWhitespace(line);
  return trimmed.starts_with("```") || trimmed.starts_with("~~~");
}

void AddXids(std::string_view line, std::vector<int>& xids) {
  static const std::regex kXid(R"(\bxid\s*[:#]?\s*(\d{1,3})\b)", std::regex::icase);
  const std::string text(line);
  for (std::sregex_iterator it(text.begin(), text.end(), kXid), end; it != end; ++it) {
    const int xid = std::stoi((*it)[1].str());
    if (std::find(xids.begin(), xids.end(), xid) == xids.end()) xids.push_back(xid);
  }
}

}  // namespace

MarkdownRunbook ParseMarkdownRunbook(std::string_view markdown) {
  MarkdownRunbook runbook;
  std::vector<std::pair<int, std::string>> headings;  // level, title
  // The sections a command is under; the document's title names no stage.
  auto current_headings = [&headings, &runbook] {
    std::vector<std::string> titles;
    for (size_t i = 0; i < headings.size(); ++i) {
      if (i == 0 && headings[i].second == runbook.title) continue;
      titles.push_back(headings[i].second);
    }
    return titles;
  };
  const std::vector<std::string_view> lines = Lines(markdown);
  bool in_block = false;
  bool summary_done = false;
  MarkdownCommand pending;  // a command continued with a trailing backslash
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const int number = static_cast<int>(i) + 1;
    AddXids(line, runbook.xids);
    if (IsFence(line)) {
      in_block = !in_block;
      continue;
    }
    if (in_block) {
      std::string_view text = core::TrimWhitespace(line);
      if (pending.text.empty()) {
        if (text.empty() || text.starts_with("#")) continue;
        if (text.starts_with("$ ")) text.remove_prefix(2);
        pending = {number, "", current_headings(), true};
      }
      if (text.ends_with("\\")) {
        pending.text += std::string(text.substr(0, text.size() - 1));
        pending.text += "\\\n  ";
        continue;
      }
      pending.text += std::string(text);
      runbook.commands.push_back(std::move(pending));
      pending = {};
      continue;
    }
    std::string title;
    if (const int level = HeadingLevel(line, &title); level > 0) {
      while (!headings.empty() && headings.back().first >= level) headings.pop_back();
      headings.emplace_back(level, title);
      if (runbook.title.empty()) runbook.title = title;
      if (!runbook.summary.empty()) summary_done = true;
      continue;
    }
    const std::string_view prose = core::TrimWhitespace(line);
    if (prose.empty()) {
      if (!runbook.summary.empty()) summary_done = true;
    } else if (!summary_done && !runbook.title.empty() && !prose.starts_with("-") &&
               !prose.starts_with("*") && !prose.starts_with(">") && !prose.starts_with("|")) {
      if (!runbook.summary.empty()) runbook.summary += ' ';
      runbook.summary += std::string(prose);
    }
    // Inline code spans: `kubectl cordon node-1`.
    for (size_t open = line.find('`'); open != std::string_view::npos;) {
      const size_t close = line.find('`', open + 1);
      if (close == std::string_view::npos) break;
      const std::string_view span = core::TrimWhitespace(line.substr(open + 1, close - open - 1));
      if (span.find(' ') != std::string_view::npos) {
        runbook.commands.push_back({number, std::string(span), current_headings(), false});
      }
      open = line.find('`', close + 1);
    }
  }
  if (!pending.text.empty()) runbook.commands.push_back(std::move(pending));
  return runbook;
}

}  // namespace nvsx::convert
