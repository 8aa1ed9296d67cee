#include "controller/remediation_decision.h"

#include <cstdint>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "core/str_cat.h"

namespace nvsx::controller {
namespace {

bool Counts(const kube::HealthEvent& event) { return event.is_fatal() && !event.StoreOnly(); }

}  // namespace

std::string_view RemediationKindName(RemediationKind kind) {
  switch (kind) {
    case RemediationKind::kNone:
      return "None";
    case RemediationKind::kRebootNode:
      return "RebootNode";
    case RemediationKind::kGpuReset:
      return "GPUReset";
    case RemediationKind::kManual:
      return "Manual";
  }
  return "None";
}

RemediationKind RemediationFor(kube::RecommendedAction action) {
  switch (action) {
    case kube::RecommendedAction::kNone:
    case kube::RecommendedAction::kRestartApp:
      return RemediationKind::kNone;
    case kube::RecommendedAction::kRestartVm:
    case kube::RecommendedAction::kRestartBm:
    case kube::RecommendedAction::kReplaceVm:
      return RemediationKind::kRebootNode;
    case kube::RecommendedAction::kComponentReset:
      return RemediationKind::kGpuReset;
    case kube::RecommendedAction::kContactSupport:
    case kube::RecommendedAction::kRunFieldDiag:
    case kube::RecommendedAction::kRunDcgmEud:
    case kube::RecommendedAction::kUnknown:
      return RemediationKind::kManual;
  }
  return RemediationKind::kManual;
}

absl::Time EventTime(const kube::HealthEvent& event) {
  if (auto generated = event.spec().generated_timestamp) return *generated;
  return event.metadata().creation_timestamp().value_or(absl::InfinitePast());
}

std::string GpuKey(const kube::HealthEvent& event) {
  std::string index;
  for (const kube::ImpactedEntity& entity : event.spec().entities_impacted) {
    if (entity.type == "GPU_UUID" && !entity.value.empty())
      return absl::AsciiStrToLower(entity.value);
    if (entity.type == "GPU" && index.empty()) index = entity.value;
  }
  return index.empty() ? "" : core::StrCat(event.node_name(), "/", index);
}

EscalationVerdict CountRepeatFaults(const kube::HealthEvent& event,
                                    const std::vector<kube::ObjectPtr>& events,
                                    const EscalationOptions& options) {
  EscalationVerdict verdict;
  verdict.gpu = GpuKey(event);
  if (verdict.gpu.empty() || options.max_faults <= 0) return verdict;
  const absl::Time at = EventTime(event);
  const std::string name = event.metadata().name();
  bool self_listed = false;
  for (const kube::ObjectPtr& object : events) {
    const kube::HealthEvent other(object);
    const std::string other_name = other.metadata().name();
    if (other_name == name) self_listed = true;
    if (!Counts(other) || GpuKey(other) != verdict.gpu) continue;
    const absl::Time other_at = EventTime(other);
    // Up to this event: earlier ones, and at the same instant those named before it.
    const bool up_to = other_at < at || (other_at == at && other_name <= name);
    if (up_to && at - other_at <= options.window) ++verdict.count;
  }
  if (!self_listed && Counts(event)) ++verdict.count;
  verdict.escalate = verdict.count >= options.max_faults;
  return verdict;
}

std::vector<std::string> GpuUuids(const kube::HealthEvent& event) {
  std::vector<std::string> uuids;
  for (const kube::ImpactedEntity& entity : event.spec().entities_impacted) {
    if (entity.type == "GPU_UUID" && !entity.value.empty()) uuids.push_back(entity.value);
  }
  return uuids;
}

std::string RemediationObjectName(const std::string& event, std::string_view suffix) {
  std::string name = core::StrCat(event, "-", suffix);
  if (name.size() <= 253) return name;
  // FNV-1a: stable across builds, unlike std::hash.
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : event) hash = (hash ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(hash));
  return core::StrCat(event.substr(0, 253 - suffix.size() - 18), "-", hex, "-", suffix);
}

}  // namespace nvsx::controller
