#pragma once

#include <map>
#include <string>
#include <string_view>

namespace nvsx::op {

// Replaces each {{name}} (spaces inside the braces allowed) with its value.
// A variable without a value is left as written, so a missing value shows.
std::string RenderNarration(std::string_view text,
                            const std::map<std::string, std::string, std::less<>>& values);

}  // namespace nvsx::op
