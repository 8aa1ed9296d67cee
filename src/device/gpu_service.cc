#include "device/gpu_service.h"

#include "device/watch_reactor.h"

namespace nvsx::device {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbers.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

namespace {

bool ChangesGpus(RpcMethod method) {
  switch (method) {
    case RpcMethod::kCreateGpu:
    case RpcMethod::kUpdateGpu:
    case RpcMethod::kUpdateGpuStatus:
    case RpcMethod::kDeleteGpu:
      return true;
    case RpcMethod::kGetGpu:
    case RpcMethod::kListGpus:
    case RpcMethod::kWatchGpus:
    case RpcMethod::kHeartbeat:
      return false;
  }
  return false;
}

}  // namespace

grpc::ServerUnaryReactor* GpuServiceImpl::Finish(grpc::CallbackServerContext* context,
                                                 RpcMethod method, absl::Time started,
                                                 const absl::Status& status) {
  // A change starts its watch writes before the call answers (see
  // WatchWriteQueue); a read has none of its own to wait for.
  if (ChangesGpus(method)) deps_.watch_writes->RunPending();
  deps_.metrics->RecordRpc(method, status.code(), deps_.clock->Now() - started);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* GpuServiceImpl::GetGpu(grpc::CallbackServerContext* context,
                                                 const v1::GetGpuRequest* request,
                                                 v1::GetGpuResponse* response) {
  const absl::Time started = deps_.clock->Now();
  auto gpu = deps_.cache->Get(request->name());
  if (gpu.ok()) *response->mutable_gpu() = *std::move(gpu);
  return Finish(context, RpcMethod::kGetGpu, started, gpu.status());
}

grpc::ServerUnaryReactor* GpuServiceImpl::ListGpus(grpc::CallbackServerContext* context,
                                                   const v1::ListGpusRequest*,
                                                   v1::ListGpusResponse* response) {
  const absl::Time started = deps_.clock->Now();
  absl::Status serving = deps_.gate->CheckServing();
  if (serving.ok()) {
    GpuCache::Snapshot snapshot = deps_.cache->List();
    v1::GpuList* list = response->mutable_gpu_list();
    list->mutable_metadata()->set_resource_version(std::to_string(snapshot.resource_version));
    for (v1::Gpu& gpu : snapshot.gpus) *list->add_items() = std::move(gpu);
  }
  return Finish(context, RpcMethod::kListGpus, started, serving);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* GpuServiceImpl::WatchGpus(
    grpc::CallbackServerContext*, const grpc::ByteBuffer* request) {
  absl::Status serving = deps_.gate->CheckServing();
  // The request carries no option the server acts on, but it must be one.
  grpc::ByteBuffer bytes = *request;
  v1::WatchGpusRequest decoded;
  if (serving.ok() &&
      !grpc::SerializationTraits<v1::WatchGpusRequest>::Deserialize(&bytes, &decoded).ok()) {
    serving = absl::InvalidArgumentError("WatchGpus: the request is not a WatchGpusRequest");
  }
  deps_.metrics->RecordRpc(RpcMethod::kWatchGpus, serving.code(), absl::ZeroDuration());
  return WatchReactor::Start(deps_.cache, deps_.broadcaster, deps_.watch_writes, serving);
}

grpc::ServerUnaryReactor* GpuServiceImpl::CreateGpu(grpc::CallbackServerContext* context,
                                                    const v1::CreateGpuRequest* request,
                                                    v1::CreateGpuResponse* response) {
  const absl::Time started = deps_.clock->Now();
  auto result = deps_.cache->Create(request->gpu());
  if (result.ok()) {
    deps_.gate->MarkProviderRegistered();
    *response->mutable_gpu() = std::move(result->gpu);
    response->set_created(result->created);
  }
  return Finish(context, RpcMethod::kCreateGpu, started, result.status());
}

grpc::ServerUnaryReactor* GpuServiceImpl::UpdateGpu(grpc::CallbackServerContext* context,
                                                    const v1::UpdateGpuRequest* request,
                                                    v1::UpdateGpuResponse* response) {
  const absl::Time started = deps_.clock->Now();
  auto gpu = deps_.cache->Update(request->gpu());
  if (gpu.ok()) *response->mutable_gpu() = *std::move(gpu);
  return Finish(context, RpcMethod::kUpdateGpu, started, gpu.status());
}

grpc::ServerUnaryReactor* GpuServiceImpl::UpdateGpuStatus(grpc::CallbackServerContext* context,
                                                          const v1::UpdateGpuStatusRequest* request,
                                                          v1::UpdateGpuStatusResponse* response) {
  const absl::Time started = deps_.clock->Now();
  auto gpu =
      deps_.cache->UpdateStatus(request->name(), request->status(), request->resource_version());
  if (gpu.ok()) *response->mutable_gpu() = *std::move(gpu);
  return Finish(context, RpcMethod::kUpdateGpuStatus, started, gpu.status());
}

grpc::ServerUnaryReactor* GpuServiceImpl::DeleteGpu(grpc::CallbackServerContext* context,
                                                    const v1::DeleteGpuRequest* request,
                                                    google::protobuf::Empty*) {
  const absl::Time started = deps_.clock->Now();
  return Finish(context, RpcMethod::kDeleteGpu, started, deps_.cache->Delete(request->name()));
}

grpc::ServerUnaryReactor* GpuServiceImpl::Heartbeat(grpc::CallbackServerContext* context,
                                                    const v1::HeartbeatRequest* request,
                                                    v1::HeartbeatResponse* response) {
  const absl::Time started = deps_.clock->Now();
  if (request->provider().empty()) {
    return Finish(context, RpcMethod::kHeartbeat, started,
                  absl::InvalidArgumentError("heartbeat: provider is required"));
  }
  deps_.heartbeats->Beat(request->provider(),
                         {request->gpu_names().begin(), request->gpu_names().end()});
  response->set_timeout_seconds(absl::ToInt64Seconds(deps_.heartbeats->timeout()));
  return Finish(context, RpcMethod::kHeartbeat, started, absl::OkStatus());
}

}  // namespace nvsx::device
