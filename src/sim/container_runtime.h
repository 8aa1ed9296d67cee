#pragma once

// The simulated nodes' container runtime: runs the containers the kubelet
// starts as the programs their pods name (container_output.h), printing into
// PodLogs, and ends them when the kubelet stops them. A GPU fault reaches the
// programs as it reaches a real job's: when a fatal HealthEvent is created for
// a node, the GPU containers running there print the CUDA/NCCL error for its
// XID and stop stepping. (The HealthEvent is the record of a GPU fault every
// simulated node agent writes, in-process or not.)

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "core/clock.h"
#include "nlohmann/json.hpp"
#include "sim/container_output.h"
#include "sim/object_store.h"
#include "sim/pod_logs.h"
#include "sim/watch_stream.h"

namespace nvsx::sim {

class ContainerRuntime {
 public:
  // `clock`, `store` and `logs` must outlive it.
  ContainerRuntime(const core::Clock* clock, ObjectStore* store, PodLogs* logs);
  ~ContainerRuntime();
  ContainerRuntime(const ContainerRuntime&) = delete;
  ContainerRuntime& operator=(const ContainerRuntime&) = delete;

  // Watches HealthEvents created from now on, on a thread.
  absl::Status Start();
  // Ends the watch and joins the thread. Idempotent.
  void Stop();

  // The kubelet's latest view of one of its pods: containers it reports
  // running are started (again, after a restart); those it reports stopped end.
  void Sync(const nlohmann::json& pod);
  // The pod is gone, and its logs with it.
  void Remove(const nlohmann::json& pod);

 private:
  struct PodRun {
    PodLogKey key;
    std::string node;
    int restarts = 0;
    bool running = false;
    ContainerProgram program = ContainerProgram::kNone;
    std::vector<std::string> containers;
    std::vector<std::string> gpu_containers;
  };

  void Loop();
  void WatchLocked();
  // A HealthEvent watch event: a fault turned fatal makes the GPU workloads
  // on its node print their error and stop.
  void OnHealthEvent(std::string_view type, const nlohmann::json& event);

  const core::Clock* const clock_;
  ObjectStore* const store_;
  PodLogs* const logs_;

  std::mutex mu_;
  std::map<std::string, PodRun> pods_;  // by "namespace/name"
  // HealthEvents whose fault the workloads already met: an event that turns
  // fatal later (a degraded GPU falling off the bus) counts once, when it does.
  std::set<std::string> fatal_events_;
  std::shared_ptr<WatchStream> events_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace nvsx::sim
