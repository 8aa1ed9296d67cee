#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kube/types/condition.h"
#include "kube/types/object_view.h"

namespace nvsx::kube {

enum class PodPhase { kUnknown, kPending, kRunning, kSucceeded, kFailed };

std::string_view PodPhaseName(PodPhase phase);
// Anything unrecognised (or missing) reads as kUnknown.
PodPhase ParsePodPhase(std::string_view text);

// The annotation the kubelet puts on mirror pods of static pods.
inline constexpr std::string_view kMirrorPodAnnotation = "kubernetes.io/config.mirror";

struct ContainerGpus {
  std::string name;
  int64_t requests = 0;  // resources.requests["nvidia.com/gpu"]
  int64_t limits = 0;    // resources.limits["nvidia.com/gpu"]
};

// A core/v1 Pod.
class Pod : public ObjectView {
 public:
  using ObjectView::ObjectView;

  std::string node_name() const;
  PodPhase phase() const;
  // Succeeded or Failed: nothing left to evict.
  bool Finished() const;
  // Has a deletionTimestamp.
  bool Terminating() const;
  bool OwnedByDaemonSet() const;
  bool IsMirror() const;
  std::optional<int64_t> termination_grace_period_seconds() const;
  std::vector<ContainerGpus> container_gpus() const;
  // GPUs the pod holds: per container the limit (the scheduler requires
  // requests == limits for extended resources; a request alone also counts).
  int64_t GpuCount() const;
  std::vector<Condition> conditions() const;

  absl::Status Validate() const;
};

}  // namespace nvsx::kube
