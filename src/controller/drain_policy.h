#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/types/health_event.h"
#include "kube/types/pod.h"

namespace nvsx::controller {

enum class DrainMode {
  kImmediate,           // evict now (PodDisruptionBudgets apply)
  kAllowCompletion,     // let the pod finish on its own
  kDeleteAfterTimeout,  // let it finish, but delete it once its time is up
};

std::string_view DrainModeName(DrainMode mode);  // "Immediate", ...
std::optional<DrainMode> ParseDrainMode(std::string_view text);

// Which pods a mode applies to; the first rule that matches a pod decides.
struct DrainRule {
  std::string namespace_name;                 // empty: any namespace
  std::map<std::string, std::string> labels;  // every one must match; empty: any pod
  DrainMode mode = DrainMode::kImmediate;
  // kDeleteAfterTimeout: how long after the drain began the pod is deleted.
  absl::Duration delete_after = absl::Minutes(60);

  bool Matches(const kube::Pod& pod) const;
};

struct DrainOptions {
  std::vector<DrainRule> rules;  // a pod no rule matches is drained Immediately
  // A pod still there this long after it was due to go (Immediate: after
  // the drain began; DeleteAfterTimeout: after its delete) is stuck, and
  // the event Fails naming it. AllowCompletion pods are waited for without limit.
  absl::Duration timeout = absl::Minutes(30);
  // Pods in these namespaces are left alone (system pods).
  std::set<std::string> skip_namespaces = {"kube-system"};
  // When the event names a GPU, drain only the pods that may use it.
  bool partial_drain = true;
  // The grace period evictions ask for; nullopt: each pod's own.
  std::optional<int64_t> eviction_grace_seconds;
};

// The rule for `pod` (Immediate when none matches).
DrainRule RuleFor(const DrainOptions& options, const kube::Pod& pod);

// The GPUs a HealthEvent names (entitiesImpacted of type GPU: the index,
// GPU_UUID: the UUID, lower-cased).
std::set<std::string> FailingGpus(const kube::HealthEvent& event);

// Whether `pod` may be using one of `gpus` (non-empty). A pod that requests
// no nvidia.com/gpu does not. A pod that says which GPUs it was given
// (annotation nvsentinel.nvidia.com/gpu-devices: indexes or UUIDs,
// comma-separated) uses those. Any other GPU pod may use any of the node's
// GPUs: the API server does not know which devices the device plugin gave
// it, so it counts as using the failing one.
bool PodMayUseGpus(const kube::Pod& pod, const std::set<std::string>& gpus);

}  // namespace nvsx::controller
