#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nvsx::core {

// Parses a duration written as one or more <number><unit> terms, strictly:
// "90s", "2m", "1h30m", "1.5s", "250ms". Units: ms, s, m, h. The bare value "0"
// is allowed; anything else without a unit, a negative value, an unknown unit
// ("10x"), or an empty string is an InvalidArgument error that names the
// offending text and shows the accepted form.
absl::StatusOr<absl::Duration> ParseDuration(std::string_view text);

// Formats a duration the way ParseDuration reads it back ("1h30m", "250ms").
std::string DurationString(absl::Duration duration);

}  // namespace nvsx::core
