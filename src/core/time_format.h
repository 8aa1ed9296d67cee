#pragma once

#include <string>

#include "absl/time/time.h"

namespace nvsx::core {

// "2026-01-02T03:04:05Z": how Kubernetes writes metadata timestamps.
std::string FormatTimestamp(absl::Time time);

// "2026-01-02T03:04:05.678Z": RFC 3339 in UTC with milliseconds, for logs,
// run events and phase times.
std::string FormatTimestampMillis(absl::Time time);

}  // namespace nvsx::core
