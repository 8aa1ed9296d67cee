#include "nvsx/setup/selection.h"

#include <charconv>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/str_cat.h"
#include "core/text.h"

namespace nvsx::setup {

absl::StatusOr<std::vector<StarterRunbook>> ParseSelection(
    std::string_view answer, const std::vector<StarterRunbook>& starters) {
  const std::string_view trimmed = core::TrimWhitespace(answer);
  std::vector<bool> picked(starters.size(), trimmed.empty() || trimmed == "all");
  if (trimmed != "none" && trimmed != "all") {
    for (absl::string_view word : absl::StrSplit(absl::string_view(trimmed.data(), trimmed.size()),
                                                 absl::ByAnyChar(", "), absl::SkipEmpty())) {
      size_t number = 0;
      const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), number);
      bool found = false;
      for (size_t i = 0; i < starters.size(); ++i) {
        const bool by_number =
            error == std::errc() && end == word.data() + word.size() && number == i + 1;
        if (by_number || starters[i].slug == word) picked[i] = found = true;
      }
      if (!found) {
        std::vector<std::string> slugs;
        for (const StarterRunbook& starter : starters) slugs.push_back(starter.slug);
        return absl::InvalidArgumentError(
            core::StrCat("\"", std::string_view(word.data(), word.size()),
                         "\" is not a starter runbook; pick numbers 1-", starters.size(),
                         ", names (", absl::StrJoin(slugs, ", "), "), all or none"));
      }
    }
  }
  std::vector<StarterRunbook> chosen;
  for (size_t i = 0; i < starters.size(); ++i) {
    if (picked[i]) chosen.push_back(starters[i]);
  }
  return chosen;
}

}  // namespace nvsx::setup
