#pragma once

// A workload for the simulated cluster, created through its API as a user's
// would be: GPU pods spread across the nodes (requesting nvidia.com/gpu),
// training jobs and model servers that log as theirs do (container_output.h),
// some of them under a PodDisruptionBudget, and a DaemonSet with a pod on
// every node, which a drain must leave alone. Pods are bound to their nodes
// (spec.nodeName) at creation: the simulated cluster has no scheduler, and
// its kubelet (SimKubelet) runs them.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "kube/rest_client.h"
#include "sim/sim_cluster.h"

namespace nvsx::sim {

struct WorkloadOptions {
  // GPU pods, placed round-robin across the nodes within their GPU capacity.
  int pods = 8;
  int gpus_per_pod = 1;
  std::string namespace_name = "workloads";
  // Every other pod is app=inference under the PodDisruptionBudget
  // "inference" (maxUnavailable 1); the rest are app=training, unguarded.
  bool disruption_budget = true;
  // A DaemonSet in kube-system with one pod on every node.
  bool daemonset = true;
  // spec.terminationGracePeriodSeconds of every pod: how long a drain waits.
  int64_t termination_grace_seconds = 5;
};

// Pod `index` of the workload ("training-0", "inference-0", "training-1", ...).
std::string WorkloadPodName(const WorkloadOptions& options, int index);

// Creates the workload; objects that exist already are left as they are, so
// seeding a restarted cluster is safe. InvalidArgument when the pods need
// more GPUs than the cluster has.
absl::Status SeedWorkload(kube::RestClient& client, const SimClusterOptions& cluster,
                          const WorkloadOptions& options);

}  // namespace nvsx::sim
