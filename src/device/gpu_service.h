#pragma once

#include "device/device_metrics.h"
#include "device/gpu_cache.h"
#include "device/heartbeat_monitor.h"
#include "device/readiness_gate.h"
#include "device/watch_broadcaster.h"
#include "device/watch_write_queue.h"
#include "nvidia/device/v1alpha1/gpu.grpc.pb.h"

namespace nvsx::device {

// The gRPC GpuService over the cache, on gRPC's callback API so that a
// thousand open watches cost reactors, not threads. WatchGpus is registered
// raw: its streams send each event's bytes, serialized once for all watchers
// (the wire format is unchanged). All pointers must outlive the service.
class GpuServiceImpl final
    : public v1::GpuService::WithRawCallbackMethod_WatchGpus<v1::GpuService::CallbackService> {
 public:
  struct Deps {
    GpuCache* cache;
    WatchBroadcaster* broadcaster;
    WatchWriteQueue* watch_writes;
    ReadinessGate* gate;
    HeartbeatMonitor* heartbeats;
    DeviceMetrics* metrics;
    const core::Clock* clock;
  };
  explicit GpuServiceImpl(Deps deps) : deps_(deps) {}

  grpc::ServerUnaryReactor* GetGpu(grpc::CallbackServerContext* context,
                                   const v1::GetGpuRequest* request,
                                   v1::GetGpuResponse* response) override;
  grpc::ServerUnaryReactor* ListGpus(grpc::CallbackServerContext* context,
                                     const v1::ListGpusRequest* request,
                                     v1::ListGpusResponse* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchGpus(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* CreateGpu(grpc::CallbackServerContext* context,
                                      const v1::CreateGpuRequest* request,
                                      v1::CreateGpuResponse* response) override;
  grpc::ServerUnaryReactor* UpdateGpu(grpc::CallbackServerContext* context,
                                      const v1::UpdateGpuRequest* request,
                                      v1::UpdateGpuResponse* response) override;
  grpc::ServerUnaryReactor* UpdateGpuStatus(grpc::CallbackServerContext* context,
                                            const v1::UpdateGpuStatusRequest* request,
                                            v1::UpdateGpuStatusResponse* response) override;
  grpc::ServerUnaryReactor* DeleteGpu(grpc::CallbackServerContext* context,
                                      const v1::DeleteGpuRequest* request,
                                      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* Heartbeat(grpc::CallbackServerContext* context,
                                      const v1::HeartbeatRequest* request,
                                      v1::HeartbeatResponse* response) override;

 private:
  // Finishes a unary call with `status` and records it in the metrics.
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context, RpcMethod method,
                                   absl::Time started, const absl::Status& status);

  Deps deps_;
};

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace nvsx::device
