#include "device/gpu_event.h"

#include <grpcpp/support/slice.h>

namespace nvsx::device {

WatchEvent::WatchEvent(const char* type, const v1::Gpu& gpu) {
  message_.set_type(type);
  *message_.mutable_object() = gpu;
  const grpc::Slice bytes(message_.SerializeAsString());
  wire_ = grpc::ByteBuffer(&bytes, 1);
}

GpuEvent MakeGpuEvent(const char* type, const v1::Gpu& gpu) {
  return std::make_shared<const WatchEvent>(type, gpu);
}

}  // namespace nvsx::device
