#pragma once

// The kubelets of the simulated nodes, as one controller loop driven by a
// watch on the ObjectStore's pods (never by polling the store):
//   - a pod bound to one of its nodes (spec.nodeName) goes Pending -> Running
//     with Ready conditions, container statuses, IPs and startTime;
//   - a pod marked for deletion (ApiServerOptions::pod_grace_periods) is
//     removed when its grace period ends, or at once with 0;
//   - every node heartbeats: Ready's lastHeartbeatTime and a Lease in
//     kube-node-lease, renewed every heartbeat_interval;
//   - RebootNode takes a node down (Ready Unknown), stops its pods as a real
//     shutdown does, and brings it back Ready after the downtime;
//   - with pod_logs, the pods' containers run and print (ContainerRuntime).
// Time comes from the injected clock, so tests drive heartbeats, grace
// periods and reboots with a fake one. Writes go straight to the store, as
// the real kubelet's go to the API server: watchers see every change.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "nlohmann/json.hpp"
#include "sim/container_runtime.h"
#include "sim/object_store.h"
#include "sim/pod_logs.h"
#include "sim/resource_info.h"
#include "sim/watch_stream.h"

namespace nvsx::sim {

struct SimKubeletOptions {
  // The nodes this kubelet runs; pods bound to other nodes are left alone.
  std::vector<std::string> nodes;
  // The real kubelet's node status and lease renew periods.
  absl::Duration heartbeat_interval = absl::Seconds(10);
  absl::Duration lease_duration = absl::Seconds(40);
  // How long a bound pod stays Pending before it runs.
  absl::Duration pod_start_delay = absl::ZeroDuration();
  // Where the containers' output goes (the API server's); null: nowhere.
  PodLogs* pod_logs = nullptr;
};

class SimKubelet {
 public:
  // `clock` and `store` must outlive the kubelet.
  SimKubelet(core::WaitableClock* clock, ObjectStore* store, SimKubeletOptions options);
  ~SimKubelet();
  SimKubelet(const SimKubelet&) = delete;
  SimKubelet& operator=(const SimKubelet&) = delete;

  // Heartbeats every node that exists once, then runs the loop on a thread.
  absl::Status Start();
  // Ends the loop and joins it. Idempotent.
  void Stop();

  // Reboots `node`: Ready turns Unknown and heartbeats stop; its pods stop
  // (a DaemonSet's pods wait to restart, the others end Failed, as graceful
  // node shutdown leaves them; pods being deleted go at once); after
  // `downtime` of the clock the node is Ready with a new bootID and its
  // DaemonSet pods run again. Rebooting a node that is down extends its
  // downtime. NotFound for a node this kubelet does not run.
  absl::Status RebootNode(const std::string& node, absl::Duration downtime);

  // False while `node` is rebooting (or not one of this kubelet's nodes).
  bool NodeUp(const std::string& node);

 private:
  struct NodeState {
    int index = 0;
    bool up = true;
    absl::Time up_at;
    int next_ip = 0;
    std::map<std::string, std::string> pod_ips;  // pod uid -> IP
  };

  void Loop();
  void WatchPodsLocked();
  absl::Time NextDeadlineLocked() const;
  void OnEventLocked(const WatchEvent& event);
  void SyncPodLocked(const std::string& key, absl::Time now);
  void RunDueLocked(absl::Time now);
  void HeartbeatLocked(const std::string& node, absl::Time now, const std::string& boot_id = "");
  void StartPodLocked(const std::string& key, absl::Time now);
  void RemovePodLocked(const std::string& key);
  void StopPodLocked(const std::string& key, absl::Time now);
  void BringUpLocked(const std::string& node, absl::Time now);
  std::string PodIpLocked(NodeState& node, const std::string& pod_uid);
  std::string NewBootIdLocked();

  core::WaitableClock* const clock_;
  ObjectStore* const store_;
  const SimKubeletOptions options_;
  const ResourceInfo pods_info_;
  const ResourceInfo nodes_info_;
  const ResourceInfo leases_info_;

  std::mutex mu_;
  std::map<std::string, NodeState> nodes_;
  // Pods bound to our nodes, by "namespace/name", as last seen.
  std::map<std::string, std::shared_ptr<const nlohmann::json>> pods_;
  std::map<std::string, absl::Time> starting_;  // key -> when it runs
  std::map<std::string, absl::Time> removing_;  // key -> when its grace period ends
  absl::Time next_heartbeat_;
  std::shared_ptr<WatchStream> watch_;
  std::unique_ptr<ContainerRuntime> containers_;  // with options_.pod_logs
  std::mt19937_64 random_{7};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace nvsx::sim
