#include "publisher/gpu_watcher.h"

#include <utility>

namespace nvsx::publisher {

namespace v1 = ::nvidia::device::v1alpha1;

GpuWatcher::GpuWatcher(v1::GpuService::StubInterface* stub, core::WaitableClock* clock,
                       core::Logger logger, kube::Backoff backoff, kube::UniformRandom random,
                       Handler on_gpu)
    : stub_(stub),
      clock_(clock),
      logger_(std::move(logger)),
      backoff_(backoff),
      random_(std::move(random)),
      on_gpu_(std::move(on_gpu)) {}

void GpuWatcher::Run() {
  int failures = 0;
  while (true) {
    failures = WatchOnce() ? 0 : failures + 1;
    // A stream that served events ended normally: watch again at once.
    const absl::Duration delay =
        failures == 0 ? absl::ZeroDuration() : backoff_.Delay(failures - 1, random_);
    std::unique_lock lock(mu_);
    const absl::Time until = clock_->Now() + delay;
    while (!stopping_ && clock_->Now() < until) clock_->WaitUntil(wake_, lock, until);
    if (stopping_) return;
  }
}

bool GpuWatcher::WatchOnce() {
  grpc::ClientContext context;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    active_ = &context;
  }
  v1::WatchGpusRequest request;
  std::unique_ptr<grpc::ClientReaderInterface<v1::WatchGpusResponse>> stream =
      stub_->WatchGpus(&context, request);
  v1::WatchGpusResponse event;
  bool delivered = false;
  while (stream->Read(&event)) {
    if (event.type() == "ADDED" || event.type() == "MODIFIED") on_gpu_(event.object());
    delivered = true;
  }
  const grpc::Status status = stream->Finish();
  {
    std::lock_guard lock(mu_);
    active_ = nullptr;
    if (stopping_) return delivered;
  }
  logger_.Info(
      "device API watch ended; watching again",
      {{"code", static_cast<int>(status.error_code())}, {"error", status.error_message()}});
  return delivered;
}

void GpuWatcher::Stop() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  if (active_ != nullptr) active_->TryCancel();
  wake_.notify_all();
}

}  // namespace nvsx::publisher
