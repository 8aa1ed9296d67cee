#include "device/watch_broadcaster.h"

#include <algorithm>

#include "core/str_cat.h"

namespace nvsx::device {

std::optional<GpuEvent> Subscription::Pop() { return owner_->Take(*this); }

bool Subscription::pending() const { return owner_->HasPending(*this); }

WatchBroadcaster::WatchBroadcaster(size_t queue_limit, size_t max_subscribers)
    : queue_limit_(queue_limit),
      max_subscribers_(max_subscribers),
      log_(std::max<size_t>(queue_limit, 1)) {}

absl::StatusOr<std::shared_ptr<Subscription>> WatchBroadcaster::Subscribe(
    std::function<void()> on_event) {
  std::lock_guard<std::mutex> lock(subscribers_mu_);
  if (subscribers_.size() >= max_subscribers_) {
    return absl::ResourceExhaustedError(core::StrCat("too many watches: ", max_subscribers_,
                                                     " are open, the most this server allows"));
  }
  std::shared_lock log_lock(log_mu_);
  auto subscription = std::make_shared<Subscription>(this, head_, std::move(on_event));
  subscribers_.push_back(subscription);
  return subscription;
}

void WatchBroadcaster::Unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  std::lock_guard<std::mutex> lock(subscribers_mu_);
  subscription->closed_.store(true);
  std::erase(subscribers_, subscription);
}

void WatchBroadcaster::OnGpuEvent(const GpuEvent& event) {
  std::lock_guard<std::mutex> lock(subscribers_mu_);
  std::vector<std::shared_ptr<Subscription>> dropped;
  {
    std::unique_lock log_lock(log_mu_);
    // Whoever is already queue_limit_ behind would fall further: drop it
    // before its oldest event's slot is reused.
    std::erase_if(subscribers_, [&](const std::shared_ptr<Subscription>& subscription) {
      if (head_ - subscription->next_.load() < queue_limit_) return false;
      subscription->overflowed_.store(true);
      subscription->closed_.store(true);
      dropped.push_back(subscription);
      return true;
    });
    log_[head_ % log_.size()] = event;
    ++head_;
  }
  dropped_ += dropped.size();
  for (const auto& subscription : subscribers_) {
    if (subscription->on_event_) subscription->on_event_();
  }
  for (const auto& subscription : dropped) {
    if (subscription->on_event_) subscription->on_event_();
  }
}

std::optional<GpuEvent> WatchBroadcaster::Take(Subscription& subscription) {
  std::shared_lock lock(log_mu_);
  // A dropped subscription's slots may already hold newer events.
  const uint64_t next = subscription.next_.load();
  if (subscription.overflowed_.load() || next == head_) return std::nullopt;
  subscription.next_.store(next + 1);
  return log_[next % log_.size()];
}

bool WatchBroadcaster::HasPending(const Subscription& subscription) const {
  std::shared_lock lock(log_mu_);
  return !subscription.overflowed_.load() && subscription.next_.load() != head_;
}

WatchBroadcasterStats WatchBroadcaster::stats() const {
  std::lock_guard<std::mutex> lock(subscribers_mu_);
  return {subscribers_.size(), dropped_};
}

}  // namespace nvsx::device
