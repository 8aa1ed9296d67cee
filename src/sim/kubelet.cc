#include "sim/kubelet.h"

#include <algorithm>

#include "core/status_macros.h"
#include "core/str_cat.h"
#include "sim/api_error.h"
#include "sim/node_heartbeat.h"
#include "sim/pod_lifecycle.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

// The loop re-reads the clock at least this often, so a fake clock's
// Advance() is noticed without the clock knowing about the kubelet.
constexpr absl::Duration kMaxWait = absl::Milliseconds(50);

ResourceInfo BuiltinInfo(const std::string& group, const std::string& resource) {
  for (ResourceInfo& info : BuiltinResources()) {
    if (info.group == group && info.resource == resource) return info;
  }
  return {};
}

const json& Metadata(const json& object) {
  static const json* const kEmpty = new json(json::object());
  auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? *it : *kEmpty;
}

std::string PodKey(const json& pod) {
  const json& metadata = Metadata(pod);
  return core::StrCat(metadata.value("namespace", ""), "/", metadata.value("name", ""));
}

std::string NodeNameOf(const json& pod) {
  auto spec = pod.find("spec");
  if (spec == pod.end() || !spec->is_object()) return "";
  return spec->value("nodeName", "");
}

std::string Phase(const json& pod) {
  auto status = pod.find("status");
  if (status == pod.end() || !status->is_object()) return "";
  return status->value("phase", "");
}

bool IsReady(const json& pod) {
  auto status = pod.find("status");
  if (status == pod.end() || !status->contains("conditions")) return false;
  for (const json& condition : (*status)["conditions"]) {
    if (condition.value("type", "") == "Ready") return condition.value("status", "") == "True";
  }
  return false;
}

// A pod whose containers should be started: new, or restarted by its node
// (a DaemonSet's pod after a reboot).
bool NeedsStart(const json& pod) {
  const std::string phase = Phase(pod);
  return phase.empty() || phase == "Pending" || (phase == "Running" && !IsReady(pod));
}

std::string HostIp(int index) { return core::StrCat("172.16.", index / 250, ".", index % 250 + 2); }

}  // namespace

SimKubelet::SimKubelet(core::WaitableClock* clock, ObjectStore* store, SimKubeletOptions options)
    : clock_(clock),
      store_(store),
      options_(std::move(options)),
      pods_info_(BuiltinInfo("", "pods")),
      nodes_info_(BuiltinInfo("", "nodes")),
      leases_info_(BuiltinInfo("coordination.k8s.io", "leases")) {
  for (size_t i = 0; i < options_.nodes.size(); ++i) {
    nodes_[options_.nodes[i]].index = static_cast<int>(i);
  }
  if (options_.pod_logs != nullptr) {
    containers_ = std::make_unique<ContainerRuntime>(clock_, store_, options_.pod_logs);
  }
}

SimKubelet::~SimKubelet() { Stop(); }

absl::Status SimKubelet::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return absl::FailedPreconditionError("the kubelet is already running");
  stopping_ = false;
  const absl::Time now = clock_->Now();
  // Every node has booted once: it reports a boot ID from the start.
  for (const auto& [name, node] : nodes_) HeartbeatLocked(name, now, NewBootIdLocked());
  next_heartbeat_ = now + options_.heartbeat_interval;
  WatchPodsLocked();
  if (watch_ == nullptr) return absl::InternalError("the kubelet could not watch pods");
  if (containers_ != nullptr) NVSX_RETURN_IF_ERROR(containers_->Start());
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void SimKubelet::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (watch_) watch_->Close();
  }
  if (thread_.joinable()) thread_.join();
  if (containers_ != nullptr) containers_->Stop();
}

bool SimKubelet::NodeUp(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(node);
  return it != nodes_.end() && it->second.up;
}

void SimKubelet::WatchPodsLocked() {
  // A fresh watch starts with every pod as ADDED, which rebuilds the cache.
  pods_.clear();
  absl::StatusOr<std::shared_ptr<WatchStream>> watch =
      store_->Watch(WatchFilter{pods_info_.GroupResource(), "", {}, {}}, "");
  watch_ = watch.ok() ? *std::move(watch) : nullptr;
}

void SimKubelet::Loop() {
  while (!stopping_) {
    std::shared_ptr<WatchStream> watch;
    absl::Duration wait;
    {
      std::lock_guard<std::mutex> lock(mu_);
      watch = watch_;
      wait = std::clamp(NextDeadlineLocked() - clock_->Now(), absl::ZeroDuration(), kMaxWait);
    }
    std::optional<WatchEvent> event = watch->Next(wait);
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) break;
    if (event.has_value()) {
      OnEventLocked(*event);
    } else if (watch->done()) {
      WatchPodsLocked();  // cut off for falling behind: start over, as an informer relists
      if (watch_ == nullptr) break;
    }
    RunDueLocked(clock_->Now());
  }
}

absl::Time SimKubelet::NextDeadlineLocked() const {
  absl::Time next = next_heartbeat_;
  for (const auto& [name, node] : nodes_) {
    if (!node.up) next = std::min(next, node.up_at);
  }
  for (const auto& [key, at] : starting_) next = std::min(next, at);
  for (const auto& [key, at] : removing_) next = std::min(next, at);
  return next;
}

void SimKubelet::OnEventLocked(const WatchEvent& event) {
  if (event.object == nullptr ||
      (event.type != "ADDED" && event.type != "MODIFIED" && event.type != "DELETED")) {
    return;
  }
  const json& pod = *event.object;
  const std::string key = PodKey(pod);
  auto node = nodes_.find(NodeNameOf(pod));
  if (event.type == "DELETED" || node == nodes_.end()) {
    if (node != nodes_.end()) node->second.pod_ips.erase(Metadata(pod).value("uid", ""));
    if (containers_ != nullptr && event.type == "DELETED") containers_->Remove(pod);
    pods_.erase(key);
    starting_.erase(key);
    removing_.erase(key);
    return;
  }
  pods_[key] = event.object;
  if (containers_ != nullptr) containers_->Sync(pod);
  SyncPodLocked(key, clock_->Now());
}

void SimKubelet::SyncPodLocked(const std::string& key, absl::Time now) {
  const json& pod = *pods_.at(key);
  const NodeState& node = nodes_.at(NodeNameOf(pod));
  const json& metadata = Metadata(pod);
  if (metadata.contains("deletionTimestamp")) {
    starting_.erase(key);
    // The API server set deletionTimestamp to when the grace period ends.
    absl::Time at = now;
    std::string ignored;
    if (node.up && !absl::ParseTime(absl::RFC3339_full, metadata.value("deletionTimestamp", ""),
                                    &at, &ignored)) {
      at = now + absl::Seconds(metadata.value("deletionGracePeriodSeconds", int64_t{0}));
    }
    auto [it, added] = removing_.emplace(key, at);
    if (!added) it->second = std::min(it->second, at);  // a second delete may shorten it
    return;
  }
  if (!node.up || !NeedsStart(pod)) return;
  starting_.emplace(key, now + options_.pod_start_delay);
}

void SimKubelet::RunDueLocked(absl::Time now) {
  if (now >= next_heartbeat_) {
    for (const auto& [name, node] : nodes_) {
      if (node.up) HeartbeatLocked(name, now);
    }
    next_heartbeat_ = now + options_.heartbeat_interval;
  }
  std::vector<std::string> due;
  for (const auto& [name, node] : nodes_) {
    if (!node.up && node.up_at <= now) due.push_back(name);
  }
  for (const std::string& name : due) BringUpLocked(name, now);
  due.clear();
  for (const auto& [key, at] : starting_) {
    if (at <= now) due.push_back(key);
  }
  for (const std::string& key : due) StartPodLocked(key, now);
  due.clear();
  for (const auto& [key, at] : removing_) {
    if (at <= now) due.push_back(key);
  }
  for (const std::string& key : due) RemovePodLocked(key);
}

void SimKubelet::HeartbeatLocked(const std::string& node, absl::Time now,
                                 const std::string& boot_id) {
  const int index = nodes_.at(node).index;
  auto beat = [&](const json& current) -> absl::StatusOr<json> {
    json next = current;
    next["status"] =
        WithReadyCondition(current.value("status", json::object()), "True", now, boot_id);
    if (!next["status"].contains("addresses")) {
      next["status"]["addresses"] = {{{"type", "InternalIP"}, {"address", HostIp(index)}},
                                     {{"type", "Hostname"}, {"address", node}}};
    }
    return next;
  };
  absl::StatusOr<json> updated = store_->Mutate(nodes_info_, "", node, beat, Subresource::kStatus);
  if (!updated.ok()) return;  // not registered (yet): nothing to heartbeat for
  const std::string uid = Metadata(*updated).value("uid", "");
  json lease = NodeLease(node, uid, now, options_.lease_duration);
  auto renew = [&](const json& current) -> absl::StatusOr<json> {
    json next = current;
    next["spec"] = lease["spec"];
    if (current.contains("spec")) {
      next["spec"]["acquireTime"] = current["spec"].value("acquireTime", MicroTimestamp(now));
    }
    return next;
  };
  absl::StatusOr<json> renewed =
      store_->Mutate(leases_info_, kNodeLeaseNamespace, node, renew, Subresource::kMain);
  if (renewed.ok() || renewed.status().code() != absl::StatusCode::kNotFound) return;
  lease["spec"]["acquireTime"] = MicroTimestamp(now);
  // A lost race with another writer leaves a lease there, which is all we need.
  store_->Create(leases_info_, kNodeLeaseNamespace, std::move(lease)).IgnoreError();
}

std::string SimKubelet::PodIpLocked(NodeState& node, const std::string& pod_uid) {
  auto [it, added] = node.pod_ips.emplace(pod_uid, "");
  if (added) {
    // 10.(128+i/256).(i%256).0/24 is node i's pod range; .2 to .254 are handed out in turn.
    it->second = core::StrCat("10.", 128 + node.index / 256, ".", node.index % 256, ".",
                              2 + node.next_ip % 253);
    ++node.next_ip;
  }
  return it->second;
}

void SimKubelet::StartPodLocked(const std::string& key, absl::Time now) {
  starting_.erase(key);
  auto found = pods_.find(key);
  if (found == pods_.end()) return;
  const json& pod = *found->second;
  const json& metadata = Metadata(pod);
  const std::string uid = metadata.value("uid", "");
  NodeState& node = nodes_.at(NodeNameOf(pod));
  if (!node.up) return;
  const PodPlacement placement{HostIp(node.index), PodIpLocked(node, uid)};
  auto start = [&](const json& current) -> absl::StatusOr<json> {
    // Only the pod we saw, and only if nothing else happened to it meanwhile.
    if (Metadata(current).value("uid", "") != uid ||
        Metadata(current).contains("deletionTimestamp") || !NeedsStart(current)) {
      return current;
    }
    const int restarts = Phase(current) == "Running" ? RestartCount(current) + 1 : 0;
    json next = current;
    next["status"] = RunningPodStatus(current, placement, restarts, now);
    return next;
  };
  // NotFound: deleted meanwhile; its DELETED event clears it up.
  store_
      ->Mutate(pods_info_, metadata.value("namespace", ""), metadata.value("name", ""), start,
               Subresource::kStatus)
      .IgnoreError();
}

void SimKubelet::RemovePodLocked(const std::string& key) {
  removing_.erase(key);
  auto found = pods_.find(key);
  if (found == pods_.end()) return;
  const json& metadata = Metadata(*found->second);
  DeleteOptions final_delete;
  final_delete.uid = metadata.value("uid", "");
  final_delete.grace_period_seconds = 0;
  // NotFound or a uid Conflict: already gone or replaced; nothing of ours to remove.
  store_
      ->Delete(pods_info_, metadata.value("namespace", ""), metadata.value("name", ""),
               final_delete)
      .IgnoreError();
}

void SimKubelet::StopPodLocked(const std::string& key, absl::Time now) {
  const json& pod = *pods_.at(key);
  const json& metadata = Metadata(pod);
  starting_.erase(key);
  if (metadata.contains("deletionTimestamp")) {
    removing_[key] = now;  // its containers are gone already
    return;
  }
  const std::string phase = Phase(pod);
  if (phase == "Succeeded" || phase == "Failed") return;
  const std::string uid = metadata.value("uid", "");
  const std::string stopped = IsDaemonSetPod(pod) ? "Running" : "Failed";
  auto stop = [&](const json& current) -> absl::StatusOr<json> {
    if (Metadata(current).value("uid", "") != uid) return current;
    json next = current;
    next["status"] = StoppedPodStatus(current, stopped, now);
    return next;
  };
  store_
      ->Mutate(pods_info_, metadata.value("namespace", ""), metadata.value("name", ""), stop,
               Subresource::kStatus)
      .IgnoreError();
}

absl::Status SimKubelet::RebootNode(const std::string& node, absl::Duration downtime) {
  std::lock_guard<std::mutex> lock(mu_);
  auto found = nodes_.find(node);
  if (found == nodes_.end()) {
    return absl::NotFoundError(
        core::StrCat("RebootNode: \"", node, "\" is not one of the simulated nodes"));
  }
  const absl::Time now = clock_->Now();
  NodeState& state = found->second;
  const bool was_up = state.up;
  state.up = false;
  state.up_at = was_up ? now + downtime : std::max(state.up_at, now + downtime);
  if (!was_up) return absl::OkStatus();
  auto down = [&](const json& current) -> absl::StatusOr<json> {
    json next = current;
    next["status"] = WithReadyCondition(current.value("status", json::object()), "Unknown", now);
    return next;
  };
  absl::StatusOr<json> marked = store_->Mutate(nodes_info_, "", node, down, Subresource::kStatus);
  if (!marked.ok()) return marked.status();
  // Every pod bound now stops, including those whose events are still on their way.
  absl::StatusOr<FieldSelector> on_node =
      FieldSelector::Parse(core::StrCat("spec.nodeName=", node));
  if (!on_node.ok()) return on_node.status();
  NVSX_ASSIGN_OR_RETURN(ListResult bound,
                        store_->List(pods_info_, "", ListOptions{{}, *std::move(on_node), 0, ""}));
  for (const std::shared_ptr<const json>& pod : bound.items) {
    const std::string key = PodKey(*pod);
    pods_[key] = pod;
    StopPodLocked(key, now);
  }
  RunDueLocked(now);
  return absl::OkStatus();
}

std::string SimKubelet::NewBootIdLocked() {
  const std::string hex = fmt::format("{:016x}{:016x}", random_(), random_());
  return core::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20, 12));
}

void SimKubelet::BringUpLocked(const std::string& node, absl::Time now) {
  nodes_.at(node).up = true;
  HeartbeatLocked(node, now, NewBootIdLocked());
  std::vector<std::string> keys;
  for (const auto& [key, pod] : pods_) {
    if (NodeNameOf(*pod) == node) keys.push_back(key);
  }
  for (const std::string& key : keys) SyncPodLocked(key, now);
}

}  // namespace nvsx::sim
