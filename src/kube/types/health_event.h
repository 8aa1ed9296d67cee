#pragma once

// The HealthEvent custom resource (nvsentinel.nvidia.com/v1alpha1,
// deploy/crds/healthevents.yaml): spec as NVSentinel's HealthEvent, status ours.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kube/resource.h"
#include "kube/types/condition.h"
#include "kube/types/health_event_enums.h"
#include "kube/types/object_view.h"

namespace nvsx::kube {

// The healthevents collection (cluster-scoped).
ResourceRef HealthEventsResource();

struct ImpactedEntity {
  std::string type;  // GPU, GPU_UUID, PCI
  std::string value;
  bool operator==(const ImpactedEntity&) const = default;
};

struct BehaviourOverrides {
  bool force = false;
  bool skip = false;
  bool operator==(const BehaviourOverrides&) const = default;
};

struct HealthEventSpec {
  int64_t version = 1;
  std::string agent;
  std::string component_class;
  std::string check_name;
  bool is_fatal = false;
  bool is_healthy = false;
  std::string message;
  RecommendedAction recommended_action = RecommendedAction::kNone;
  std::vector<std::string> error_codes;  // XIDs, as strings
  std::vector<ImpactedEntity> entities_impacted;
  std::map<std::string, std::string> metadata;
  std::optional<absl::Time> generated_timestamp;
  std::string node_name;
  BehaviourOverrides quarantine_overrides;
  BehaviourOverrides drain_overrides;
  ProcessingStrategy processing_strategy = ProcessingStrategy::kUnspecified;

  // The spec object; empty and default fields left out except the required
  // ones, times RFC 3339 with milliseconds.
  nlohmann::json ToJson() const;
  bool operator==(const HealthEventSpec&) const = default;
};

// What status.remediation names: the object created to fix the fault.
struct RemediationRef {
  std::string api_version;
  std::string kind;
  std::string name;
  bool operator==(const RemediationRef&) const = default;
};

struct PodRef {
  std::string namespace_name;
  std::string name;
  bool operator==(const PodRef&) const = default;
};

class HealthEvent : public ObjectView {
 public:
  using ObjectView::ObjectView;

  // spec; an unknown recommendedAction reads as kUnknown, an unknown
  // processingStrategy as kUnspecified.
  HealthEventSpec spec() const;
  std::string node_name() const;
  std::string check_name() const;
  bool is_fatal() const;
  bool is_healthy() const;
  RecommendedAction recommended_action() const;
  std::vector<std::string> error_codes() const;
  ProcessingStrategy processing_strategy() const;
  bool StoreOnly() const { return processing_strategy() == ProcessingStrategy::kStoreOnly; }

  // status.phase; an event without one (or with an unknown one) is New.
  HealthEventPhase phase() const;
  bool HasPhase() const;  // status.phase is set to a known phase
  std::string status_reason() const;
  std::string status_message() const;
  // status.phaseTimes; entries with unknown phases or unreadable times are skipped.
  std::map<HealthEventPhase, absl::Time> phase_times() const;
  std::optional<absl::Time> PhaseTime(HealthEventPhase phase) const;
  std::vector<Condition> conditions() const;
  std::optional<RemediationRef> remediation() const;
  std::vector<PodRef> evicted_pods() const;
  std::optional<int64_t> observed_generation() const;

  // Types and enums as the CRD's schema states them, required spec fields included.
  absl::Status Validate() const;
};

}  // namespace nvsx::kube
