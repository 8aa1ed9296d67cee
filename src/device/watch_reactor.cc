#include "device/watch_reactor.h"

#include "device/gpu_service.h"

namespace nvsx::device {

WatchReactor* WatchReactor::Start(grpc::CallbackServerContext*, GpuCache* cache,
                                  WatchBroadcaster* broadcaster, const absl::Status& refuse) {
  auto* reactor = new WatchReactor(broadcaster);
  absl::Status status = refuse;
  std::vector<GpuEvent> snapshot;
  if (status.ok()) {
    // Events published from here on reach the subscription; MaybeWrite ignores
    // them until the snapshot is queued (started_), so the order holds.
    snapshot = cache->ListAndSubscribe([&] {
      auto subscription = broadcaster->Subscribe([reactor] { reactor->MaybeWrite(); });
      status = subscription.status();
      if (subscription.ok()) reactor->subscription_ = *std::move(subscription);
    });
  }
  std::unique_lock<std::mutex> lock(reactor->mu_);
  if (!status.ok()) {
    reactor->FinishLocked(lock, ToGrpcStatus(status));
    return reactor;
  }
  reactor->initial_.assign(snapshot.begin(), snapshot.end());
  reactor->started_ = true;
  lock.unlock();
  reactor->MaybeWrite();
  return reactor;
}

void WatchReactor::MaybeWrite() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!started_ || writing_ || finished_) return;
  if (cancelled_) {
    FinishLocked(lock, grpc::Status::CANCELLED);
    return;
  }
  GpuEvent next;
  if (!initial_.empty()) {
    next = std::move(initial_.front());
    initial_.pop_front();
  } else if (auto live = subscription_->Pop()) {
    next = std::move(*live);
  } else if (subscription_->overflowed()) {
    FinishLocked(lock, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                    "watch dropped: the client fell too far behind; "
                                    "list the GPUs again and start a new watch"));
    return;
  } else {
    return;
  }
  writing_ = true;
  in_flight_ = std::move(next);
  lock.unlock();
  StartWrite(in_flight_.get());
}

void WatchReactor::OnWriteDone(bool ok) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    writing_ = false;
    in_flight_.reset();
    if (!ok) {
      FinishLocked(lock, grpc::Status(grpc::StatusCode::UNAVAILABLE, "watch stream broke"));
      return;
    }
  }
  MaybeWrite();
}

void WatchReactor::OnCancel() {
  std::unique_lock<std::mutex> lock(mu_);
  cancelled_ = true;
  if (!writing_) FinishLocked(lock, grpc::Status::CANCELLED);
}

void WatchReactor::FinishLocked(std::unique_lock<std::mutex>& lock, const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  lock.unlock();
  Finish(status);
}

void WatchReactor::OnDone() {
  if (subscription_) broadcaster_->Unsubscribe(subscription_);
  delete this;
}

}  // namespace nvsx::device
