#include "sim/node_heartbeat.h"

#include "core/time_format.h"

namespace nvsx::sim {

using nlohmann::json;

json WithReadyCondition(json node_status, const std::string& ready, absl::Time now,
                        const std::string& boot_id) {
  if (!node_status.is_object()) node_status = json::object();
  const std::string stamp = core::FormatTimestamp(now);
  json ready_condition = {{"type", "Ready"}, {"status", ready}, {"lastTransitionTime", stamp}};
  if (ready == "True") {
    ready_condition["reason"] = "KubeletReady";
    ready_condition["message"] = "kubelet is posting ready status (simulated)";
  } else {
    ready_condition["reason"] = "NodeStatusUnknown";
    ready_condition["message"] = "Kubelet stopped posting node status.";
  }
  if (!node_status.contains("conditions") || !node_status["conditions"].is_array()) {
    node_status["conditions"] = json::array();
  }
  json* existing = nullptr;
  for (json& condition : node_status["conditions"]) {
    if (condition.is_object() && condition.value("type", "") == "Ready") existing = &condition;
  }
  if (existing != nullptr) {
    if (existing->value("status", "") == ready && existing->contains("lastTransitionTime")) {
      ready_condition["lastTransitionTime"] = (*existing)["lastTransitionTime"];
    }
    // Nobody heartbeats for a node that is down: the last heartbeat stays.
    if (ready != "True" && existing->contains("lastHeartbeatTime")) {
      ready_condition["lastHeartbeatTime"] = (*existing)["lastHeartbeatTime"];
    }
  }
  if (ready == "True") ready_condition["lastHeartbeatTime"] = stamp;
  if (existing != nullptr) {
    *existing = std::move(ready_condition);
  } else {
    node_status["conditions"].push_back(std::move(ready_condition));
  }
  if (!boot_id.empty()) node_status["nodeInfo"]["bootID"] = boot_id;
  return node_status;
}

std::string MicroTimestamp(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

json NodeLease(const std::string& node, const std::string& node_uid, absl::Time now,
               absl::Duration lease_duration) {
  json owner = {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}};
  if (!node_uid.empty()) owner["uid"] = node_uid;
  return {{"apiVersion", "coordination.k8s.io/v1"},
          {"kind", "Lease"},
          {"metadata",
           {{"name", node},
            {"namespace", kNodeLeaseNamespace},
            {"ownerReferences", json::array({owner})}}},
          {"spec",
           {{"holderIdentity", node},
            {"leaseDurationSeconds", absl::ToInt64Seconds(lease_duration)},
            {"renewTime", MicroTimestamp(now)}}}};
}

}  // namespace nvsx::sim
