#pragma once

// String concatenation for our code. Debian's abseil is built with its own
// absl::string_view (not std::string_view), so absl::StrCat rejects
// std::string_view; these take anything fmt can format, both views included.

#include <iterator>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "fmt/format.h"

template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view view, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(view.data(), view.size()),
                                                    ctx);
  }
};

namespace nvsx::core {

inline std::string_view ToStd(absl::string_view view) { return {view.data(), view.size()}; }

template <typename... Pieces>
void StrAppend(std::string* out, const Pieces&... pieces) {
  (fmt::format_to(std::back_inserter(*out), "{}", pieces), ...);
}

template <typename... Pieces>
std::string StrCat(const Pieces&... pieces) {
  std::string out;
  StrAppend(&out, pieces...);
  return out;
}

}  // namespace nvsx::core
