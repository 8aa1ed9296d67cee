#include "provider/health_provider.h"

#include <chrono>

#include "core/str_cat.h"
#include "health/gpu_health.h"
#include "provider/gpu_status_builder.h"

namespace nvsx::provider {
namespace {

absl::Status FromGrpc(const grpc::Status& status, std::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      core::StrCat(what, ": ", status.error_message()));
}

}  // namespace

HealthProvider::HealthProvider(nvml::GpuBackend* backend,
                               ::nvidia::device::v1alpha1::GpuService::StubInterface* stub,
                               const health::XidCatalog* catalog, const core::Clock* clock,
                               core::Logger logger, HealthProviderOptions options)
    : backend_(backend),
      stub_(stub),
      catalog_(catalog),
      clock_(clock),
      logger_(std::move(logger)),
      options_(std::move(options)),
      xids_(options_.xid_retention) {}

std::unique_ptr<grpc::ClientContext> HealthProvider::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(options_.rpc_timeout));
  return context;
}

absl::Status HealthProvider::Register() {
  auto gpus = backend_->Enumerate();
  if (!gpus.ok()) return gpus.status();
  gpus_ = *std::move(gpus);
  reported_.clear();
  for (const nvml::GpuInfo& gpu : gpus_) {
    v1::CreateGpuRequest request;
    *request.mutable_gpu() = BuildGpu(gpu);
    v1::CreateGpuResponse response;
    auto context = NewContext();
    if (absl::Status status =
            FromGrpc(stub_->CreateGpu(context.get(), request, &response),
                     core::StrCat("registering GPU ", gpu.index, " (", gpu.uuid, ")"));
        !status.ok()) {
      return status;
    }
  }
  if (options_.metrics != nullptr) options_.metrics->Registered(gpus_.size());
  logger_.Info("registered GPUs with the device API", {{"gpus", gpus_.size()}});
  return absl::OkStatus();
}

absl::Status HealthProvider::SyncGpu(int index) {
  if (index < 0 || static_cast<size_t>(index) >= gpus_.size()) {
    return absl::NotFoundError(core::StrCat("no GPU ", index, " on this node"));
  }
  const nvml::GpuInfo& gpu = gpus_[static_cast<size_t>(index)];
  auto sample = backend_->Sample(index);
  if (options_.metrics != nullptr) options_.metrics->Sampled(sample.ok());
  if (!sample.ok()) return sample.status();
  xids_.ObserveResponsive(index, sample->responsive());
  const std::vector<nvml::XidEvent> recent = xids_.Recent(index, clock_->Now());
  const health::GpuHealth assessed = health::AssessGpuHealth(gpu, *sample, recent, *catalog_);
  v1::UpdateGpuStatusRequest request;
  request.set_name(GpuName(gpu));
  *request.mutable_status() = BuildGpuStatus(assessed, *sample, recent);
  std::string serialized = request.status().SerializeAsString();
  if (auto it = reported_.find(index); it != reported_.end() && it->second == serialized) {
    return absl::OkStatus();
  }
  v1::UpdateGpuStatusResponse response;
  auto context = NewContext();
  grpc::Status sent = stub_->UpdateGpuStatus(context.get(), request, &response);
  if (sent.error_code() == grpc::StatusCode::NOT_FOUND) {
    // The device API restarted and lost its cache: register again, then retry once.
    if (absl::Status registered = Register(); !registered.ok()) return registered;
    auto retry_context = NewContext();
    sent = stub_->UpdateGpuStatus(retry_context.get(), request, &response);
  }
  absl::Status reported = FromGrpc(sent, core::StrCat("reporting GPU ", index));
  if (options_.metrics != nullptr) options_.metrics->Reported(reported.ok());
  if (!reported.ok()) return reported;
  if (!assessed.healthy) {
    logger_.Warn("GPU unhealthy",
                 {{"gpu", gpu.index},
                  {"uuid", gpu.uuid},
                  {"action", health::RecommendedActionName(assessed.recommended_action)}});
  }
  reported_[index] = std::move(serialized);
  return absl::OkStatus();
}

absl::Status HealthProvider::SyncAll() {
  absl::Status first_error;
  for (const nvml::GpuInfo& gpu : gpus_) {
    absl::Status status = SyncGpu(gpu.index);
    if (!status.ok() && first_error.ok()) first_error = status;
  }
  return first_error;
}

absl::Status HealthProvider::Heartbeat() {
  v1::HeartbeatRequest request;
  request.set_provider(options_.provider_id);
  for (const nvml::GpuInfo& gpu : gpus_) request.add_gpu_names(GpuName(gpu));
  v1::HeartbeatResponse response;
  auto context = NewContext();
  return FromGrpc(stub_->Heartbeat(context.get(), request, &response), "heartbeat");
}

void HealthProvider::Run(const std::atomic<bool>& stop) {
  absl::Duration backoff = absl::Milliseconds(200);
  while (!stop.load()) {
    absl::Status registered = Register();
    if (registered.ok()) break;
    logger_.Warn("cannot register GPUs; retrying", {{"error", std::string(registered.message())},
                                                    {"retry_in", absl::FormatDuration(backoff)}});
    // Wait in short steps so a stop request is honoured promptly.
    for (absl::Duration waited; waited < backoff && !stop.load();
         waited += absl::Milliseconds(50)) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    backoff = std::min(backoff * 2, absl::Seconds(10));
  }
  absl::Time next_sample = clock_->Now();
  absl::Time next_beat = clock_->Now();
  // Short waits keep the loop responsive to `stop`.
  const absl::Duration max_wait = absl::Milliseconds(200);
  while (!stop.load()) {
    const absl::Time now = clock_->Now();
    if (now >= next_beat) {
      if (absl::Status status = Heartbeat(); !status.ok()) {
        logger_.Warn("heartbeat failed", {{"error", std::string(status.message())}});
      }
      next_beat = now + options_.heartbeat_interval;
    }
    if (now >= next_sample) {
      if (absl::Status status = SyncAll(); !status.ok()) {
        logger_.Warn("GPU sync failed", {{"error", std::string(status.message())}});
      }
      next_sample = now + options_.sample_interval;
    }
    const absl::Duration wait = std::clamp(std::min(next_sample, next_beat) - clock_->Now(),
                                           absl::ZeroDuration(), max_wait);
    auto xid = backend_->WaitForXid(wait);
    if (!xid.ok()) {
      logger_.Warn("waiting for XIDs failed", {{"error", std::string(xid.status().message())}});
      absl::SleepFor(wait);
      continue;
    }
    if (!xid->has_value()) continue;
    logger_.Warn("XID reported", {{"gpu", (*xid)->gpu_index}, {"xid", (*xid)->xid}});
    xids_.Record(**xid);
    if (options_.metrics != nullptr) options_.metrics->XidSeen();
    if (absl::Status status = SyncGpu((*xid)->gpu_index); !status.ok()) {
      logger_.Warn("reporting the XID failed; retried at the next sample",
                   {{"error", std::string(status.message())}});
    }
  }
}

}  // namespace nvsx::provider
