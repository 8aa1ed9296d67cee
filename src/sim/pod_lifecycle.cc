#include "sim/pod_lifecycle.h"

#include <algorithm>

#include "core/str_cat.h"
#include "core/time_format.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

json Condition(const std::string& type, bool status, const std::string& stamp) {
  return {{"type", type},
          {"status", status ? "True" : "False"},
          {"lastProbeTime", nullptr},
          {"lastTransitionTime", stamp}};
}

const json& Containers(const json& pod) {
  static const json* const kNone = new json(json::array());
  if (!pod.contains("spec") || !pod["spec"].contains("containers") ||
      !pod["spec"]["containers"].is_array()) {
    return *kNone;
  }
  return pod["spec"]["containers"];
}

json ContainerStatus(const json& pod, const json& container, json state, bool ready,
                     int restart_count) {
  const std::string name = container.value("name", "");
  const std::string uid = pod.value("metadata", json::object()).value("uid", "");
  const std::string image = container.value("image", "");
  return {{"name", name},
          {"image", image},
          {"imageID", core::StrCat("sim://", image)},
          {"containerID", core::StrCat("sim://", uid.substr(0, 8), "-", name)},
          {"ready", ready},
          {"started", ready},
          {"restartCount", restart_count},
          {"state", std::move(state)},
          {"lastState", json::object()}};
}

}  // namespace

bool IsDaemonSetPod(const json& pod) {
  const json metadata = pod.value("metadata", json::object());
  if (!metadata.contains("ownerReferences") || !metadata["ownerReferences"].is_array()) {
    return false;
  }
  for (const json& owner : metadata["ownerReferences"]) {
    if (owner.is_object() && owner.value("kind", "") == "DaemonSet") return true;
  }
  return false;
}

int RestartCount(const json& pod) {
  int count = 0;
  const json status = pod.value("status", json::object());
  if (!status.contains("containerStatuses") || !status["containerStatuses"].is_array()) return 0;
  for (const json& container : status["containerStatuses"]) {
    if (container.contains("restartCount") && container["restartCount"].is_number_integer()) {
      count = std::max(count, container["restartCount"].get<int>());
    }
  }
  return count;
}

json RunningPodStatus(const json& pod, const PodPlacement& placement, int restart_count,
                      absl::Time now) {
  const std::string stamp = core::FormatTimestamp(now);
  const json previous = pod.value("status", json::object());
  json containers = json::array();
  for (const json& container : Containers(pod)) {
    containers.push_back(ContainerStatus(pod, container, {{"running", {{"startedAt", stamp}}}},
                                         true, restart_count));
  }
  return {{"phase", "Running"},
          {"conditions",
           {Condition("PodReadyToStartContainers", true, stamp),
            Condition("Initialized", true, stamp), Condition("Ready", true, stamp),
            Condition("ContainersReady", true, stamp), Condition("PodScheduled", true, stamp)}},
          {"hostIP", placement.host_ip},
          {"hostIPs", {{{"ip", placement.host_ip}}}},
          {"podIP", placement.pod_ip},
          {"podIPs", {{{"ip", placement.pod_ip}}}},
          {"startTime", previous.value("startTime", stamp)},
          {"containerStatuses", std::move(containers)}};
}

json StoppedPodStatus(const json& pod, const std::string& phase, absl::Time now) {
  const std::string stamp = core::FormatTimestamp(now);
  json status = pod.value("status", json::object());
  const int restarts = RestartCount(pod);
  json containers = json::array();
  for (const json& container : Containers(pod)) {
    containers.push_back(ContainerStatus(pod, container,
                                         {{"terminated",
                                           {{"exitCode", 137},
                                            {"reason", "Error"},
                                            {"startedAt", status.value("startTime", stamp)},
                                            {"finishedAt", stamp}}}},
                                         false, restarts));
  }
  status["phase"] = phase;
  status["containerStatuses"] = std::move(containers);
  status["conditions"] = {Condition("PodReadyToStartContainers", false, stamp),
                          Condition("Initialized", true, stamp), Condition("Ready", false, stamp),
                          Condition("ContainersReady", false, stamp),
                          Condition("PodScheduled", true, stamp)};
  if (phase == "Failed") {
    status["reason"] = "Terminated";
    status["message"] = "Pod was terminated in response to imminent node shutdown.";
  }
  return status;
}

}  // namespace nvsx::sim
