#pragma once

// What a kubelet writes to say its node is alive: the Ready condition in the
// Node's status and a Lease in kube-node-lease. Pure functions of the time.

#include <string>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

inline constexpr char kNodeLeaseNamespace[] = "kube-node-lease";

// `node_status` with its Ready condition set to `ready` ("True", or
// "Unknown" for a node whose kubelet stopped posting) and heartbeat `now`;
// lastTransitionTime moves only when the status changes. A new `boot_id`
// (when not empty) goes into nodeInfo.bootID.
nlohmann::json WithReadyCondition(nlohmann::json node_status, const std::string& ready,
                                  absl::Time now, const std::string& boot_id = "");

// The coordination.k8s.io/v1 Lease a kubelet holds for `node`, renewed `now`.
nlohmann::json NodeLease(const std::string& node, const std::string& node_uid, absl::Time now,
                         absl::Duration lease_duration);

// metav1.MicroTime text ("2026-01-02T03:04:05.123456Z"), as Lease times read.
std::string MicroTimestamp(absl::Time time);

}  // namespace nvsx::sim
