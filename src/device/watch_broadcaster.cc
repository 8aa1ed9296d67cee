#include "device/watch_broadcaster.h"

#include <algorithm>

#include "core/str_cat.h"

namespace nvsx::device {

Subscription::Subscription(size_t queue_limit, std::function<void()> on_event)
    : queue_limit_(queue_limit), on_event_(std::move(on_event)) {}

bool Subscription::Push(const GpuEvent& event) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (overflowed_.load()) return false;
    if (queue_.size() >= queue_limit_) {
      queue_.clear();
      overflowed_.store(true);
    } else {
      queue_.push_back(event);
    }
  }
  if (on_event_) on_event_();
  return !overflowed_.load();
}

std::optional<GpuEvent> Subscription::Pop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty()) return std::nullopt;
  GpuEvent event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

WatchBroadcaster::WatchBroadcaster(size_t queue_limit, size_t max_subscribers)
    : queue_limit_(queue_limit), max_subscribers_(max_subscribers) {}

absl::StatusOr<std::shared_ptr<Subscription>> WatchBroadcaster::Subscribe(
    std::function<void()> on_event) {
  std::lock_guard<std::mutex> lock(mu_);
  if (subscribers_.size() >= max_subscribers_) {
    return absl::ResourceExhaustedError(core::StrCat("too many watches: ", max_subscribers_,
                                                     " are open, the most this server allows"));
  }
  auto subscription = std::make_shared<Subscription>(queue_limit_, std::move(on_event));
  subscribers_.push_back(subscription);
  return subscription;
}

void WatchBroadcaster::Unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  std::lock_guard<std::mutex> lock(mu_);
  subscription->Close();
  std::erase(subscribers_, subscription);
}

void WatchBroadcaster::OnGpuEvent(const GpuEvent& event) {
  std::lock_guard<std::mutex> lock(mu_);
  auto overflowed = [&](const std::shared_ptr<Subscription>& subscription) {
    if (subscription->Push(event)) return false;
    subscription->Close();
    ++dropped_;
    return true;
  };
  std::erase_if(subscribers_, overflowed);
}

WatchBroadcasterStats WatchBroadcaster::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {subscribers_.size(), dropped_};
}

}  // namespace nvsx::device
