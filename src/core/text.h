#pragma once

#include <string_view>
#include <vector>

namespace nvsx::core {

// `text` without leading and trailing spaces, tabs, CRs and newlines.
std::string_view TrimWhitespace(std::string_view text);

// The whitespace-separated words of `text` (views into it); none for blank text.
std::vector<std::string_view> SplitWhitespace(std::string_view text);

}  // namespace nvsx::core
