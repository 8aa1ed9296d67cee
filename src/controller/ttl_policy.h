#pragma once

// How long finished HealthEvents are kept, as read from a ConfigMap
// (default nvsentinel/nvsentinel-ttl). Its data holds one key per rule:
//
//   data:
//     Resolved: 24h                  # a terminal phase: Resolved, Failed, Cancelled
//     Failed: never
//     check.GpuXidError: 1h          # a check, in every terminal phase
//     check.GpuXidError.Failed: 72h  # a check in one terminal phase
//
// The most specific rule wins (check and phase, then check, then phase);
// phases the ConfigMap leaves out keep the defaults (Resolved and Cancelled
// 168h, Failed never: a failure waits for a person). Values are durations
// (90m, 24h, 1h30m, or whole days: 7d), "0" (delete at once) or "never".
// The time counts from when the event entered its terminal phase
// (status.phaseTimes), else its creation. Keep Resolved at least as long as
// the escalation window: deleted events no longer count as repeat faults.

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/types/health_event.h"

namespace nvsx::controller {

// A rule's duration; nullopt: never delete.
using Ttl = std::optional<absl::Duration>;

struct TtlPolicy {
  std::map<kube::HealthEventPhase, Ttl> by_phase;
  std::map<std::string, Ttl> by_check;
  std::map<std::pair<std::string, kube::HealthEventPhase>, Ttl> by_check_phase;

  static TtlPolicy Defaults();
  // The rule for a terminal `phase` of `check`.
  Ttl For(const std::string& check, kube::HealthEventPhase phase) const;
  bool operator==(const TtlPolicy&) const = default;
};

// The policy a ConfigMap's data gives (on top of the defaults). An unknown
// key or a bad value is an InvalidArgument naming `source`, the key and the fix.
absl::StatusOr<TtlPolicy> ParseTtlPolicy(const std::map<std::string, std::string>& data,
                                         const std::string& source);

// When `event` is due for deletion; nullopt when it is not terminal or kept.
std::optional<absl::Time> TtlExpiry(const TtlPolicy& policy, const kube::HealthEvent& event);

}  // namespace nvsx::controller
