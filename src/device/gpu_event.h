#pragma once

#include <memory>

#include "nvidia/device/v1alpha1/gpu.pb.h"

namespace nvsx::device {

namespace v1 = ::nvidia::device::v1alpha1;

// One change to the GPU cache, as watchers receive it. Built once and shared
// by every watcher, so fan-out copies a pointer, not the GPU.
using GpuEvent = std::shared_ptr<const v1::WatchGpusResponse>;

inline constexpr char kAdded[] = "ADDED";
inline constexpr char kModified[] = "MODIFIED";
inline constexpr char kDeleted[] = "DELETED";

GpuEvent MakeGpuEvent(const char* type, const v1::Gpu& gpu);

// Receives every cache change in resource-version order. Called with the
// cache's write lock held: implementations must be quick and must not call
// back into the cache.
class GpuEventSink {
 public:
  virtual ~GpuEventSink() = default;
  virtual void OnGpuEvent(const GpuEvent& event) = 0;
};

}  // namespace nvsx::device
