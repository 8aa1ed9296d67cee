#include "device/device_api_server.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/status_macros.h"
#include "core/str_cat.h"

namespace nvsx::device {
namespace {

constexpr char kHeartbeatReason[] = "ProviderHeartbeatMissed";

absl::Status PrepareSocketPath(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), error);
  if (error) {
    return absl::FailedPreconditionError(
        core::StrCat("cannot create the directory of --socket ", path, ": ", error.message()));
  }
  // A socket left by a crashed server would make bind fail.
  if (std::filesystem::is_socket(path, error)) std::filesystem::remove(path, error);
  return absl::OkStatus();
}

}  // namespace

DeviceApiServer::DeviceApiServer(DeviceApiServerOptions options, const core::Clock* clock,
                                 core::Logger logger)
    : options_(std::move(options)),
      clock_(clock),
      logger_(std::move(logger)),
      broadcaster_(options_.watch_queue_limit, options_.max_watches),
      cache_(options_.limits, &broadcaster_, clock),
      gate_(clock, options_.ready_timeout),
      heartbeats_(clock, options_.heartbeat_timeout) {}

absl::StatusOr<std::unique_ptr<DeviceApiServer>> DeviceApiServer::Start(
    DeviceApiServerOptions options, const core::Clock* clock, core::Logger logger) {
  if (options.socket_path.empty() && !options.listen) {
    return absl::InvalidArgumentError(
        "the device API needs somewhere to listen: give --socket PATH and/or --listen HOST:PORT");
  }
  if (options.listen && !core::IsLoopbackHost(options.listen->host)) {
    if (!options.allow_non_loopback) {
      return absl::InvalidArgumentError(
          core::StrCat("--listen ", options.listen->ToString(),
                       ": the device API is unauthenticated; it listens beyond loopback only with "
                       "--allow-remote"));
    }
    logger.Warn("device API listening beyond loopback without authentication",
                {{"listen", options.listen->ToString()}});
  }
  std::unique_ptr<DeviceApiServer> server(
      new DeviceApiServer(std::move(options), clock, std::move(logger)));
  const DeviceApiServerOptions& opts = server->options_;
  NVSX_ASSIGN_OR_RETURN(server->metrics_, DeviceMetrics::Create(&server->registry_));
  server->service_ = std::make_unique<GpuServiceImpl>(
      GpuServiceImpl::Deps{&server->cache_, &server->broadcaster_, &server->watch_writes_,
                           &server->gate_, &server->heartbeats_, server->metrics_.get(), clock});

  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(opts.max_message_bytes);
  builder.SetMaxSendMessageSize(opts.max_message_bytes);
  if (!opts.socket_path.empty()) {
    NVSX_RETURN_IF_ERROR(PrepareSocketPath(opts.socket_path));
    builder.AddListeningPort("unix:" + opts.socket_path, grpc::InsecureServerCredentials());
  }
  if (opts.listen) {
    builder.AddListeningPort(opts.listen->ToString(), grpc::InsecureServerCredentials(),
                             &server->tcp_port_);
  }
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || (opts.listen && server->tcp_port_ == 0)) {
    return absl::UnavailableError(core::StrCat(
        "device API cannot listen on ", opts.listen ? opts.listen->ToString() : std::string("-"),
        " / ", opts.socket_path.empty() ? std::string("-") : opts.socket_path,
        " (address in use or not permitted)"));
  }
  if (!opts.socket_path.empty() && ::chmod(opts.socket_path.c_str(), 0660) != 0) {
    return absl::PermissionDeniedError(core::StrCat("cannot set mode 0660 on ", opts.socket_path));
  }

  if (opts.metrics_listen) {
    core::HttpServerOptions http_options;
    http_options.listen = *opts.metrics_listen;
    server->http_ = std::make_unique<core::HttpServer>(http_options);
    DeviceApiServer* self = server.get();
    server->http_->routes().Get(
        "/metrics", [self](const httplib::Request&, httplib::Response& response) {
          self->metrics_->Refresh(self->cache_, self->broadcaster_);
          response.set_content(self->registry_.Render(), core::MetricsRegistry::kContentType);
        });
    server->http_->AddReadinessCheck("gpus-registered",
                                     [self] { return self->gate_.CheckReady(); });
    NVSX_RETURN_IF_ERROR(server->http_->Start());
  }
  server->heartbeat_thread_ = std::thread([self = server.get()] { self->ExpireSilentProviders(); });
  return server;
}

DeviceApiServer::~DeviceApiServer() { Shutdown(); }

void DeviceApiServer::Shutdown(absl::Duration grace) {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  }
  if (http_) http_->Stop();
  if (!options_.socket_path.empty()) ::unlink(options_.socket_path.c_str());
}

void DeviceApiServer::ExpireSilentProviders() {
  const auto tick = absl::ToChronoMilliseconds(
      std::clamp(options_.heartbeat_timeout / 4, absl::Milliseconds(10), absl::Seconds(1)));
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, tick, [this] { return stopping_; })) {
    lock.unlock();
    for (const HeartbeatMonitor::Expired& expired : heartbeats_.TakeExpired()) MarkUnknown(expired);
    lock.lock();
  }
}

void DeviceApiServer::MarkUnknown(const HeartbeatMonitor::Expired& expired) {
  const std::string message =
      core::StrCat("no heartbeat from provider ", expired.provider, " for ",
                   absl::FormatDuration(absl::Trunc(expired.silent_for, absl::Seconds(1))));
  logger_.Warn("provider stopped beating; GPU conditions set to Unknown",
               {{"provider", expired.provider}, {"gpus", expired.gpu_names.size()}});
  for (const std::string& name : expired.gpu_names) {
    // Retry on a concurrent update: the status must end up Unknown.
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto gpu = cache_.Get(name);
      if (!gpu.ok()) break;
      v1::GpuStatus status = gpu->status();
      if (status.conditions().empty()) status.add_conditions()->set_type("ProviderHeartbeat");
      for (v1::Condition& condition : *status.mutable_conditions()) {
        condition.set_status("Unknown");
        condition.set_reason(kHeartbeatReason);
        condition.set_message(message);
        condition.clear_last_transition_time();
      }
      if (cache_.UpdateStatus(name, status, gpu->resource_version()).ok()) break;
    }
  }
}

}  // namespace nvsx::device
