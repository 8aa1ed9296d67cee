#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <memory>
#include <string>

#include "nvidia/device/v1alpha1/gpu.pb.h"

namespace nvsx::device {

namespace v1 = ::nvidia::device::v1alpha1;

inline constexpr char kAdded[] = "ADDED";
inline constexpr char kModified[] = "MODIFIED";
inline constexpr char kDeleted[] = "DELETED";

// One change to the GPU cache as watchers receive it: the WatchGpusResponse and
// its wire encoding, both made once. Every watcher shares the same event and
// sends the same bytes, so fan-out neither copies the GPU nor serializes it again.
class WatchEvent {
 public:
  WatchEvent(const char* type, const v1::Gpu& gpu);

  const std::string& type() const { return message_.type(); }
  const v1::Gpu& object() const { return message_.object(); }
  // The serialized WatchGpusResponse. Copies of a ByteBuffer reference its bytes.
  const grpc::ByteBuffer& wire() const { return wire_; }

 private:
  v1::WatchGpusResponse message_;
  grpc::ByteBuffer wire_;
};

using GpuEvent = std::shared_ptr<const WatchEvent>;

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
