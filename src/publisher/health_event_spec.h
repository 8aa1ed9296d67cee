#pragma once

// The HealthEvent objects the publisher writes (deploy/crds/healthevents.yaml).
// Every spec field is set here and only here.

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "kube/resource.h"
#include "kube/types/health_event.h"
#include "nlohmann/json.hpp"
#include "publisher/gpu_fault.h"

namespace nvsx::publisher {

// Labels on every event the publisher creates, so it can find its own.
inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedByValue = "nvsentinel-publisher";
inline constexpr std::string_view kNodeLabel = "nvsentinel.nvidia.com/node";
inline constexpr std::string_view kGpuLabel = "nvsentinel.nvidia.com/gpu";
inline constexpr std::string_view kCheckLabel = "nvsentinel.nvidia.com/check";

// Who reports: the node and the finding component (spec.agent).
struct EventSource {
  std::string node_name;
  std::string agent = "health-provider";
};

// nvsentinel.nvidia.com/v1alpha1 healthevents (cluster-scoped).
using kube::HealthEventsResource;

// The deterministic name of the event for `fault`'s episode on `node`:
// "<node>-gpu<index>-<hash of node, GPU and onset>". The same episode always
// gets the same name, so a create retried after a lost answer meets 409.
std::string HealthEventName(std::string_view node, const GpuFault& fault);

// The label selector that finds the events this publisher created for `node`.
std::string NodeEventSelector(std::string_view node);

// A new event for a fatal or degraded `fault` (isFatal says which), generated at `now`.
nlohmann::json NewHealthEvent(const GpuFault& fault, const EventSource& source, absl::Time now);

// The spec an open event should have for `fault` now. It keeps what the
// event recorded already: its generation time, check name and earlier XIDs;
// an event of a degraded GPU that `fault` finds fatal takes the fatal check.
nlohmann::json UpdatedSpec(const nlohmann::json& open_spec, const GpuFault& fault,
                           const EventSource& source);

// Whether `spec` already holds every field of `fields` (objects compared
// key by key, so fields others added do not count as a difference).
bool SpecHas(const nlohmann::json& spec, const nlohmann::json& fields);

// The merge patch that marks an event's GPU healthy again at `now`.
nlohmann::json RecoveredPatch(absl::Time now);

// An event is open while its GPU is not reported healthy and no controller
// has finished with it (phase Resolved, Failed or Cancelled).
bool IsOpenHealthEvent(const nlohmann::json& event);

// Whether `event` reports a fatal fault (spec.isFatal).
bool IsFatalHealthEvent(const nlohmann::json& event);

// The device API name of the GPU an event is about ("" when it names none).
std::string EventGpuName(const nlohmann::json& event);

}  // namespace nvsx::publisher
