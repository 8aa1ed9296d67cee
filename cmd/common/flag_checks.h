#pragma once

// Checks of flag values that name what to give instead. CLI11's own print a
// number's bounds as doubles (a positive number is "not in range 0.000000 to
// 179769313486...") and call a word that is not a number out of range:
//   --nodes: 0 is out of range: give a whole number from 1 to 5000
//   --limit: "ten" is not a number: give a whole number of at least 1
//   --backend: "nope" is not one of: sim, command, none

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace nvsx::cmd {

// A whole number from `min` to `max` (an int flag: `max` at most INT_MAX).
CLI::Validator WholeNumber(int64_t min, int64_t max);
// A whole number of at least `min` that fits an int flag.
CLI::Validator WholeNumberAtLeast(int64_t min);
// A number, fractions allowed, of at least `min` (a double flag).
CLI::Validator NumberAtLeast(double min);
// One of `choices`, spelled exactly.
CLI::Validator OneOf(std::vector<std::string> choices);

}  // namespace nvsx::cmd
