#include "nvsx/narration.h"

#include "core/text.h"

namespace nvsx::op {

std::string RenderNarration(std::string_view text,
                            const std::map<std::string, std::string, std::less<>>& values) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("{{", i);
    const size_t close = open == std::string_view::npos ? open : text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, open - i));
    const std::string_view name = core::TrimWhitespace(text.substr(open + 2, close - open - 2));
    auto it = values.find(name);
    out.append(it != values.end() ? std::string_view(it->second)
                                  : text.substr(open, close + 2 - open));
    i = close + 2;
  }
  return out;
}

}  // namespace nvsx::op
