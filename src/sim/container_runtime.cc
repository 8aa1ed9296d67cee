#include "sim/container_runtime.h"

#include "absl/strings/numbers.h"
#include "core/json_member.h"
#include "core/str_cat.h"
#include "kube/types/health_event.h"
#include "kube/types/json_fields.h"
#include "kube/types/object_meta.h"
#include "kube/types/pod.h"
#include "sim/pod_lifecycle.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

// Whether the kubelet reports any container of `pod` running.
bool AnyContainerRunning(const json& pod) {
  const json& statuses = core::JsonAt(pod, {"status", "containerStatuses"});
  if (!statuses.is_array()) return false;
  for (const json& status : statuses) {
    if (core::JsonAt(status, {"state", "running"}).is_object()) return true;
  }
  return false;
}

std::string HealthEventsGroupResource() {
  const kube::ResourceRef ref = kube::HealthEventsResource();
  return core::StrCat(ref.resource, ".", ref.group);
}

}  // namespace

ContainerRuntime::ContainerRuntime(const core::Clock* clock, ObjectStore* store, PodLogs* logs)
    : clock_(clock), store_(store), logs_(logs) {}

ContainerRuntime::~ContainerRuntime() { Stop(); }

absl::Status ContainerRuntime::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return absl::FailedPreconditionError("the runtime is already running");
  stopping_ = false;
  WatchLocked();
  if (events_ == nullptr) return absl::InternalError("the runtime could not watch HealthEvents");
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void ContainerRuntime::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (events_) events_->Close();
  }
  if (thread_.joinable()) thread_.join();
}

void ContainerRuntime::WatchLocked() {
  // Only faults from now on: a program started after a fault never saw it.
  absl::StatusOr<std::shared_ptr<WatchStream>> watch = store_->Watch(
      WatchFilter{HealthEventsGroupResource(), "", {}, {}}, store_->CurrentResourceVersion());
  events_ = watch.ok() ? *std::move(watch) : nullptr;
}

void ContainerRuntime::Loop() {
  while (!stopping_) {
    std::shared_ptr<WatchStream> events;
    {
      std::lock_guard lock(mu_);
      events = events_;
    }
    std::optional<WatchEvent> event = events->Next(absl::Milliseconds(200));
    if (stopping_) break;
    if (event.has_value()) {
      if (event->object != nullptr) OnHealthEvent(event->type, *event->object);
    } else if (events->done()) {
      std::lock_guard lock(mu_);
      WatchLocked();  // cut off for falling behind: go on from now
      if (events_ == nullptr) break;
    }
  }
}

void ContainerRuntime::Sync(const json& pod) {
  const kube::ObjectMeta metadata(pod);
  const PodLogKey key{metadata.namespace_name(), metadata.name(), metadata.uid()};
  const bool running = AnyContainerRunning(pod);
  const int restarts = RestartCount(pod);
  std::lock_guard lock(mu_);
  PodRun& run = pods_[core::StrCat(key.namespace_name, "/", key.name)];
  const bool same_run = run.key.uid == key.uid && run.restarts == restarts;
  if (running && run.running && same_run) return;
  if (!running) {
    if (run.running && run.key.uid == key.uid) {
      for (const std::string& container : run.containers) logs_->EndContainer(key, container);
    }
    run.running = false;
    return;
  }
  run = PodRun{key, kube::Pod(pod).node_name(), restarts, true, ProgramOf(pod)};
  const json& containers = core::JsonAt(pod, {"spec", "containers"});
  const ProgramOutput output = OutputOf(run.program);
  const absl::Time now = clock_->Now();
  for (const json& container : containers.is_array() ? containers : json::array()) {
    const std::string name = kube::StringOf(kube::FieldAt(container, {"name"}));
    run.containers.push_back(name);
    if (UsesGpus(container)) run.gpu_containers.push_back(name);
    std::optional<ScheduledLine> schedule;
    if (output.every > absl::ZeroDuration()) {
      schedule = ScheduledLine{now + output.every, output.every, output.line};
    }
    logs_->StartContainer(key, name, now, output.startup, std::move(schedule));
  }
}

void ContainerRuntime::Remove(const json& pod) {
  const kube::ObjectMeta metadata(pod);
  const std::string namespace_name = metadata.namespace_name();
  const std::string name = metadata.name();
  std::lock_guard lock(mu_);
  pods_.erase(core::StrCat(namespace_name, "/", name));
  logs_->RemovePod(namespace_name, name);
}

void ContainerRuntime::OnHealthEvent(std::string_view type, const json& object) {
  const kube::HealthEvent event(object);
  const std::string name = event.metadata().name();
  if (type == "DELETED") {
    std::lock_guard lock(mu_);
    fatal_events_.erase(name);
    return;
  }
  if (!event.is_fatal() || event.is_healthy()) return;
  {
    std::lock_guard lock(mu_);
    if (!fatal_events_.insert(name).second) return;
  }
  const std::string node = event.node_name();
  const std::vector<std::string> codes = event.error_codes();
  int xid = 0;  // no code, or not a number: the lines of a generic fault
  if (!codes.empty() && !absl::SimpleAtoi(codes[0], &xid)) xid = 0;
  const absl::Time now = clock_->Now();
  std::lock_guard lock(mu_);
  for (const auto& [path, run] : pods_) {
    if (!run.running || run.node != node) continue;
    const std::vector<std::string> lines = GpuFaultLines(run.program, xid);
    for (const std::string& container : run.gpu_containers) {
      logs_->StopSchedule(run.key, container, now, lines);
    }
  }
}

}  // namespace nvsx::sim
