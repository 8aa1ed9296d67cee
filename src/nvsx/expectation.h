#pragma once

#include <string>
#include <string_view>

namespace nvsx::op {

struct ExpectationResult {
  bool met = false;
  std::string explanation;  // why not, for the operator: "got \"0\", want >= 1"
};

// Checks a prerequisite's output against its `expect`, as the original nvsx
// runbooks write them:
//   ">=1", ">0", "<=3", "<5"  every whitespace-separated value of the output is
//                             a number that satisfies the comparison;
//   "==Running", "!=Failed"   the whole trimmed output equals (or not) the text;
//   anything else             the output contains the text ("Running" matches
//                             "Running Running").
ExpectationResult MatchExpectation(std::string_view expect, std::string_view output);

}  // namespace nvsx::op
