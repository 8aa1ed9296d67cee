#include "device/gpu_cache.h"

#include <mutex>

#include "core/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace nvsx::device {
namespace {

absl::Status StaleVersion(const std::string& name, int64_t expected, int64_t actual) {
  return absl::AbortedError(core::StrCat("gpu ", name, ": resource_version ", expected,
                                         " is stale (current ", actual,
                                         "); re-read the GPU and retry"));
}

absl::Status NotFound(const std::string& name) {
  return absl::NotFoundError(core::StrCat("gpu \"", name, "\" not found"));
}

const v1::Condition* FindCondition(const v1::GpuStatus& status, const std::string& type) {
  for (const v1::Condition& condition : status.conditions()) {
    if (condition.type() == type) return &condition;
  }
  return nullptr;
}

}  // namespace

GpuCache::GpuCache(GpuCacheLimits limits, GpuEventSink* sink, const core::Clock* clock)
    : limits_(limits), sink_(sink), clock_(clock) {}

void GpuCache::Commit(const char* type, Entry& entry) {
  ++resource_version_;
  entry.gpu.set_resource_version(resource_version_);
  entry.gpu.mutable_metadata()->set_resource_version(std::to_string(resource_version_));
  entry.added.reset();
  if (sink_ == nullptr) return;
  GpuEvent event = MakeGpuEvent(type, entry.gpu);
  if (std::string_view(type) == kAdded) entry.added = event;
  sink_->OnGpuEvent(event);
}

absl::StatusOr<GpuCache::CreateResult> GpuCache::Create(const v1::Gpu& gpu) {
  const std::string& name = gpu.metadata().name();
  if (name.empty()) {
    return absl::InvalidArgumentError("gpu.metadata.name is required (use the lowercased UUID)");
  }
  std::unique_lock lock(mu_);
  if (auto it = gpus_.find(name); it != gpus_.end()) return CreateResult{it->second.gpu, false};
  if (gpus_.size() >= limits_.max_gpus) {
    return absl::ResourceExhaustedError(core::StrCat("cannot register gpu \"", name,
                                                     "\": the node already has ", limits_.max_gpus,
                                                     " GPUs, the most this server holds"));
  }
  Entry& entry = gpus_[name];
  entry.gpu = gpu;
  Commit(kAdded, entry);
  return CreateResult{entry.gpu, true};
}

absl::StatusOr<v1::Gpu> GpuCache::Update(const v1::Gpu& gpu) {
  const std::string& name = gpu.metadata().name();
  std::unique_lock lock(mu_);
  auto it = gpus_.find(name);
  if (it == gpus_.end()) return NotFound(name);
  v1::Gpu& stored = it->second.gpu;
  if (gpu.resource_version() != 0 && gpu.resource_version() != stored.resource_version()) {
    return StaleVersion(name, gpu.resource_version(), stored.resource_version());
  }
  *stored.mutable_spec() = gpu.spec();
  Commit(kModified, it->second);
  return stored;
}

absl::StatusOr<v1::Gpu> GpuCache::UpdateStatus(const std::string& name, const v1::GpuStatus& status,
                                               int64_t expected_version) {
  std::unique_lock lock(mu_);
  auto it = gpus_.find(name);
  if (it == gpus_.end()) return NotFound(name);
  v1::Gpu& gpu = it->second.gpu;
  if (expected_version != 0 && expected_version != gpu.resource_version()) {
    return StaleVersion(name, expected_version, gpu.resource_version());
  }
  v1::GpuStatus next = status;
  for (v1::Condition& condition : *next.mutable_conditions()) {
    const v1::Condition* previous = FindCondition(gpu.status(), condition.type());
    if (previous != nullptr && previous->status() == condition.status()) {
      *condition.mutable_last_transition_time() = previous->last_transition_time();
    } else if (!condition.has_last_transition_time()) {
      *condition.mutable_last_transition_time() =
          google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
              absl::ToUnixNanos(clock_->Now()));
    }
  }
  *gpu.mutable_status() = std::move(next);
  Commit(kModified, it->second);
  return gpu;
}

absl::Status GpuCache::Delete(const std::string& name) {
  std::unique_lock lock(mu_);
  auto it = gpus_.find(name);
  if (it == gpus_.end()) return NotFound(name);
  Entry gone = std::move(it->second);
  gpus_.erase(it);
  Commit(kDeleted, gone);
  return absl::OkStatus();
}

absl::StatusOr<v1::Gpu> GpuCache::Get(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = gpus_.find(name);
  if (it == gpus_.end()) return NotFound(name);
  return it->second.gpu;
}

GpuCache::Snapshot GpuCache::List() const {
  std::shared_lock lock(mu_);
  Snapshot snapshot;
  snapshot.resource_version = resource_version_;
  snapshot.gpus.reserve(gpus_.size());
  for (const auto& [name, entry] : gpus_) snapshot.gpus.push_back(entry.gpu);
  return snapshot;
}

std::vector<GpuEvent> GpuCache::ListAndSubscribe(const std::function<void()>& subscribe) {
  // Shared is enough: writers need the exclusive lock to publish.
  std::shared_lock lock(mu_);
  subscribe();
  std::vector<GpuEvent> events;
  events.reserve(gpus_.size());
  std::lock_guard<std::mutex> fill(added_mu_);
  for (auto& [name, entry] : gpus_) {
    if (!entry.added) entry.added = MakeGpuEvent(kAdded, entry.gpu);
    events.push_back(entry.added);
  }
  return events;
}

int64_t GpuCache::resource_version() const {
  std::shared_lock lock(mu_);
  return resource_version_;
}

size_t GpuCache::size() const {
  std::shared_lock lock(mu_);
  return gpus_.size();
}

}  // namespace nvsx::device
