#pragma once

// What a kubelet writes into a pod's status as it starts and stops it: pure
// functions of the pod and the time, so tests check them without a cluster.

#include <string>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

// Where a started pod lives on its node.
struct PodPlacement {
  std::string host_ip;
  std::string pod_ip;
};

// True when a DaemonSet owns the pod (a drain leaves these alone).
bool IsDaemonSetPod(const nlohmann::json& pod);

// The status of `pod` once its containers run: phase Running, the Ready,
// ContainersReady, Initialized and PodScheduled conditions, one running
// containerStatus per spec.containers entry with `restart_count`, its IPs
// and startTime (kept from an earlier start).
nlohmann::json RunningPodStatus(const nlohmann::json& pod, const PodPlacement& placement,
                                int restart_count, absl::Time now);

// The status of `pod` once its node went down under it: containers
// terminated, not Ready. `phase` "Failed" (reason Terminated, as graceful
// node shutdown leaves a pod) or "Running" for a pod the node restarts
// when it is back (a DaemonSet's).
nlohmann::json StoppedPodStatus(const nlohmann::json& pod, const std::string& phase,
                                absl::Time now);

// Containers restarted so far (the highest restartCount in its status).
int RestartCount(const nlohmann::json& pod);

}  // namespace nvsx::sim
