// Wire compatibility with NVSentinel's device API: names and field numbers must
// match upstream (see shared/research/nvsentinel-facts.md), or its clients break.
#include <gtest/gtest.h>

#include "nvidia/device/v1alpha1/gpu.grpc.pb.h"
#include "nvidia/device/v1alpha1/gpu.pb.h"

namespace {

namespace v1 = ::nvidia::device::v1alpha1;
using google::protobuf::Descriptor;

int FieldNumber(const Descriptor* message, const char* field) {
  const auto* descriptor = message->FindFieldByName(field);
  return descriptor == nullptr ? -1 : descriptor->number();
}

TEST(DeviceProtoCompatTest, PackageAndServiceMethodsMatchUpstream) {
  const auto* service = v1::Gpu::descriptor()->file()->FindServiceByName("GpuService");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->full_name(), "nvidia.device.v1alpha1.GpuService");
  EXPECT_STREQ(v1::GpuService::service_full_name(), "nvidia.device.v1alpha1.GpuService");
  for (const char* method : {"GetGpu", "ListGpus", "WatchGpus", "CreateGpu", "UpdateGpu",
                             "UpdateGpuStatus", "DeleteGpu"}) {
    EXPECT_NE(service->FindMethodByName(method), nullptr) << method;
  }
  EXPECT_TRUE(service->FindMethodByName("WatchGpus")->server_streaming());
}

TEST(DeviceProtoCompatTest, FieldNumbersMatchUpstream) {
  struct Expect {
    const Descriptor* message;
    const char* field;
    int number;
  };
  const Expect expects[] = {
      {v1::Gpu::descriptor(), "metadata", 1},
      {v1::Gpu::descriptor(), "spec", 2},
      {v1::Gpu::descriptor(), "status", 3},
      {v1::Gpu::descriptor(), "resource_version", 4},
      {v1::ObjectMeta::descriptor(), "name", 1},
      {v1::ObjectMeta::descriptor(), "resource_version", 2},
      {v1::ObjectMeta::descriptor(), "namespace", 3},
      {v1::GpuSpec::descriptor(), "uuid", 1},
      {v1::GpuStatus::descriptor(), "conditions", 1},
      {v1::GpuStatus::descriptor(), "recommended_action", 2},
      {v1::Condition::descriptor(), "type", 1},
      {v1::Condition::descriptor(), "status", 2},
      {v1::Condition::descriptor(), "last_transition_time", 3},
      {v1::Condition::descriptor(), "reason", 4},
      {v1::Condition::descriptor(), "message", 5},
      {v1::GpuList::descriptor(), "metadata", 1},
      {v1::GpuList::descriptor(), "items", 2},
      {v1::ListGpusResponse::descriptor(), "gpu_list", 1},
      {v1::WatchGpusResponse::descriptor(), "type", 1},
      {v1::WatchGpusResponse::descriptor(), "object", 2},
      {v1::CreateGpuResponse::descriptor(), "gpu", 1},
      {v1::CreateGpuResponse::descriptor(), "created", 2},
      {v1::UpdateGpuStatusRequest::descriptor(), "name", 1},
      {v1::UpdateGpuStatusRequest::descriptor(), "status", 2},
      {v1::UpdateGpuStatusRequest::descriptor(), "resource_version", 3},
      {v1::GetGpuRequest::descriptor(), "name", 1},
      {v1::GetGpuRequest::descriptor(), "opts", 2},
  };
  for (const Expect& e : expects) {
    EXPECT_EQ(FieldNumber(e.message, e.field), e.number)
        << e.message->full_name() << "." << e.field;
  }
}

}  // namespace
