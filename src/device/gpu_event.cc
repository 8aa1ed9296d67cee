#include "device/gpu_event.h"

namespace nvsx::device {

GpuEvent MakeGpuEvent(const char* type, const v1::Gpu& gpu) {
  auto event = std::make_shared<v1::WatchGpusResponse>();
  event->set_type(type);
  *event->mutable_object() = gpu;
  return event;
}

}  // namespace nvsx::device
