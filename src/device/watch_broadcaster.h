#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "device/gpu_event.h"

namespace nvsx::device {

// One watcher's bounded queue. A watcher that lets the queue reach its limit
// is dropped: the queue is cleared, overflowed() turns true and no more events
// arrive, so a slow reader never holds events (or memory) for the others.
class Subscription {
 public:
  // `on_event` runs after each push (outside the queue lock) so the consumer
  // can start a write; it must not block.
  Subscription(size_t queue_limit, std::function<void()> on_event);

  // Next queued event, if any.
  std::optional<GpuEvent> Pop();
  bool overflowed() const { return overflowed_.load(); }
  bool closed() const { return closed_.load(); }

 private:
  friend class WatchBroadcaster;
  // Returns false when this push overflowed the queue.
  bool Push(const GpuEvent& event);
  void Close() { closed_.store(true); }

  const size_t queue_limit_;
  const std::function<void()> on_event_;
  std::mutex mu_;
  std::deque<GpuEvent> queue_;
  std::atomic<bool> overflowed_{false};
  std::atomic<bool> closed_{false};
};

struct WatchBroadcasterStats {
  size_t subscribers = 0;
  uint64_t dropped = 0;
};

// Fans cache changes out to every subscription.
class WatchBroadcaster final : public GpuEventSink {
 public:
  WatchBroadcaster(size_t queue_limit, size_t max_subscribers);

  // RESOURCE_EXHAUSTED when max_subscribers are already watching.
  absl::StatusOr<std::shared_ptr<Subscription>> Subscribe(std::function<void()> on_event);
  void Unsubscribe(const std::shared_ptr<Subscription>& subscription);

  void OnGpuEvent(const GpuEvent& event) override;
  WatchBroadcasterStats stats() const;

 private:
  const size_t queue_limit_;
  const size_t max_subscribers_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subscribers_;
  uint64_t dropped_ = 0;
};

}  // namespace nvsx::device
