#include "controller/ttl_policy.h"

#include <charconv>
#include <cstdint>

#include "core/duration.h"
#include "core/str_cat.h"

namespace nvsx::controller {
namespace {

constexpr std::string_view kCheckPrefix = "check.";

std::optional<kube::HealthEventPhase> TerminalPhase(std::string_view text) {
  std::optional<kube::HealthEventPhase> phase = kube::ParseHealthEventPhase(text);
  if (phase && kube::IsTerminal(*phase)) return phase;
  return std::nullopt;
}

absl::StatusOr<Ttl> ParseTtl(const std::string& text, const std::string& key,
                             const std::string& source) {
  if (text == "never") return Ttl();
  // Whole days, which ParseDuration does not read.
  if (text.size() > 1 && text.back() == 'd') {
    int64_t days = 0;
    const char* end = text.data() + text.size() - 1;
    auto [parsed, error] = std::from_chars(text.data(), end, days);
    if (error == std::errc() && parsed == end && days >= 0 && days < 100000) {
      return Ttl(absl::Hours(24) * days);
    }
  }
  absl::StatusOr<absl::Duration> duration = core::ParseDuration(text);
  if (!duration.ok()) {
    return absl::InvalidArgumentError(
        core::StrCat(source, ": key \"", key, "\": \"", text,
                     "\" is not a time to keep events; write a duration such as 24h, 90m or 7d, "
                     "0 to delete at once, or never"));
  }
  return Ttl(*duration);
}

}  // namespace

TtlPolicy TtlPolicy::Defaults() {
  TtlPolicy policy;
  policy.by_phase[kube::HealthEventPhase::kResolved] = absl::Hours(168);
  policy.by_phase[kube::HealthEventPhase::kCancelled] = absl::Hours(168);
  policy.by_phase[kube::HealthEventPhase::kFailed] = std::nullopt;
  return policy;
}

Ttl TtlPolicy::For(const std::string& check, kube::HealthEventPhase phase) const {
  if (auto rule = by_check_phase.find({check, phase}); rule != by_check_phase.end()) {
    return rule->second;
  }
  if (auto rule = by_check.find(check); rule != by_check.end()) return rule->second;
  if (auto rule = by_phase.find(phase); rule != by_phase.end()) return rule->second;
  return std::nullopt;
}

absl::StatusOr<TtlPolicy> ParseTtlPolicy(const std::map<std::string, std::string>& data,
                                         const std::string& source) {
  TtlPolicy policy = TtlPolicy::Defaults();
  for (const auto& [key, value] : data) {
    absl::StatusOr<Ttl> ttl = ParseTtl(value, key, source);
    if (!ttl.ok()) return ttl.status();
    if (std::optional<kube::HealthEventPhase> phase = TerminalPhase(key)) {
      policy.by_phase[*phase] = *ttl;
      continue;
    }
    if (key.starts_with(kCheckPrefix) && key.size() > kCheckPrefix.size()) {
      std::string check = key.substr(kCheckPrefix.size());
      const size_t dot = check.rfind('.');
      if (dot != std::string::npos) {
        if (std::optional<kube::HealthEventPhase> phase = TerminalPhase(check.substr(dot + 1))) {
          policy.by_check_phase[{check.substr(0, dot), *phase}] = *ttl;
          continue;
        }
      }
      policy.by_check[check] = *ttl;
      continue;
    }
    return absl::InvalidArgumentError(core::StrCat(
        source, ": key \"", key,
        "\" is not a terminal phase (Resolved, Failed, Cancelled), check.<CheckName> or "
        "check.<CheckName>.<Phase>; rename or remove it"));
  }
  return policy;
}

std::optional<absl::Time> TtlExpiry(const TtlPolicy& policy, const kube::HealthEvent& event) {
  if (!event.HasPhase() || !kube::IsTerminal(event.phase())) return std::nullopt;
  const Ttl ttl = policy.For(event.check_name(), event.phase());
  if (!ttl) return std::nullopt;
  std::optional<absl::Time> since = event.PhaseTime(event.phase());
  if (!since) since = event.metadata().creation_timestamp();
  if (!since) return std::nullopt;
  return *since + *ttl;
}

}  // namespace nvsx::controller
