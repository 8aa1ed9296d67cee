#include "device/watch_reactor.h"

#include "device/gpu_service.h"

namespace nvsx::device {

WatchReactor* WatchReactor::Start(GpuCache* cache, WatchBroadcaster* broadcaster,
                                  WatchWriteQueue* writes, const absl::Status& refuse) {
  auto* reactor = new WatchReactor(broadcaster, writes);
  absl::Status status = refuse;
  if (status.ok()) {
    // Events published from here on reach the subscription; the turn is held
    // until the snapshot is queued, so they follow it in order.
    reactor->initial_ = cache->ListAndSubscribe([&] {
      auto subscription = broadcaster->Subscribe([reactor] { reactor->OnEvent(); });
      status = subscription.status();
      if (subscription.ok()) reactor->subscription_ = *std::move(subscription);
    });
  }
  if (!status.ok()) {
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }
  reactor->WriteNextOrRelease();
  return reactor;
}

void WatchReactor::OnEvent() {
  if (!turn_->held.exchange(true)) writes_->Post([this] { WriteNextOrRelease(); });
}

GpuEvent WatchReactor::NextEvent() {
  if (initial_sent_ < initial_.size()) {
    GpuEvent next = std::move(initial_[initial_sent_++]);
    if (initial_sent_ == initial_.size()) {
      initial_.clear();
      initial_.shrink_to_fit();
      initial_sent_ = 0;
    }
    return next;
  }
  if (auto live = subscription_->Pop()) return *std::move(live);
  return nullptr;
}

void WatchReactor::WriteNextOrRelease() {
  for (;;) {
    if (turn_->cancelled.load()) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    if (GpuEvent next = NextEvent()) {
      in_flight_ = std::move(next);
      StartWrite(&in_flight_->wire());
      return;
    }
    if (subscription_->overflowed()) {
      Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "watch dropped: the client fell too far behind; "
                          "list the GPUs again and start a new watch"));
      return;
    }
    const std::shared_ptr<Turn> turn = turn_;
    const std::shared_ptr<Subscription> subscription = subscription_;
    turn->held.store(false);
    // From here `this` may be gone. An event or a cancellation that came after
    // the checks above found the turn taken and left it to us: take it back
    // unless someone else did. Holding it again means nobody finished the
    // stream meanwhile (finishing keeps the turn), so `this` is still alive.
    const bool more =
        turn->cancelled.load() || subscription->pending() || subscription->overflowed();
    if (!more || turn->held.exchange(true)) return;
  }
}

void WatchReactor::OnWriteDone(bool ok) {
  in_flight_.reset();
  if (!ok) {
    Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "watch stream broke"));
    return;
  }
  WriteNextOrRelease();
}

void WatchReactor::OnCancel() {
  turn_->cancelled.store(true);
  if (!turn_->held.exchange(true)) Finish(grpc::Status::CANCELLED);
}

void WatchReactor::OnDone() {
  if (subscription_) broadcaster_->Unsubscribe(subscription_);
  delete this;
}

}  // namespace nvsx::device
