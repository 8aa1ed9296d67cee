#include "core/text.h"

namespace nvsx::core {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n";

}  // namespace

std::string_view TrimWhitespace(std::string_view text) {
  const size_t begin = text.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kWhitespace) - begin + 1);
}

std::vector<std::string_view> SplitWhitespace(std::string_view text) {
  std::vector<std::string_view> words;
  size_t start = text.find_first_not_of(kWhitespace);
  while (start != std::string_view::npos) {
    const size_t end = text.find_first_of(kWhitespace, start);
    words.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    start = end == std::string_view::npos ? end : text.find_first_not_of(kWhitespace, end);
  }
  return words;
}

}  // namespace nvsx::core
