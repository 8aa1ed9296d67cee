#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "device/gpu_event.h"

namespace nvsx::device {

class WatchBroadcaster;

// One watcher's place in its broadcaster's event log. A watcher may fall at
// most the queue limit behind; the event that would put it further behind
// drops it instead: overflowed() turns true and Pop() returns nothing more, so
// a slow reader never holds events (or memory) for the others. One consumer at
// a time may Pop(); the broadcaster must outlive the subscription's use.
class Subscription {
 public:
  // The next event, if any.
  std::optional<GpuEvent> Pop();
  // Whether Pop() has an event to return.
  bool pending() const;
  bool overflowed() const { return overflowed_.load(); }
  bool closed() const { return closed_.load(); }

  // Use WatchBroadcaster::Subscribe.
  Subscription(WatchBroadcaster* owner, uint64_t next, std::function<void()> on_event)
      : owner_(owner), on_event_(std::move(on_event)), next_(next) {}

 private:
  friend class WatchBroadcaster;

  WatchBroadcaster* const owner_;
  const std::function<void()> on_event_;
  // Sequence of the next event to take. Written only by the one consumer, under
  // the owner's log_mu_ held shared; atomic because a consumer handing its turn
  // over may still ask pending() while the next one takes.
  std::atomic<uint64_t> next_;
  std::atomic<bool> overflowed_{false};
  std::atomic<bool> closed_{false};
};

struct WatchBroadcasterStats {
  size_t subscribers = 0;
  uint64_t dropped = 0;
};

// Fans cache changes out to every subscription through one shared log of the
// last `queue_limit` events: publishing appends once, whatever the number of
// watchers, and each watcher reads the log at its own position.
class WatchBroadcaster final : public GpuEventSink {
 public:
  WatchBroadcaster(size_t queue_limit, size_t max_subscribers);

  // `on_event` runs after each event is published (also the one that drops the
  // subscription, so its consumer learns of it), on the publishing thread. It
  // must be quick; it may call Pop() but not Subscribe(), Unsubscribe() or
  // stats(). RESOURCE_EXHAUSTED when max_subscribers are already watching.
  absl::StatusOr<std::shared_ptr<Subscription>> Subscribe(std::function<void()> on_event);
  // After it returns, the subscription's on_event no longer runs.
  void Unsubscribe(const std::shared_ptr<Subscription>& subscription);

  void OnGpuEvent(const GpuEvent& event) override;
  WatchBroadcasterStats stats() const;

 private:
  friend class Subscription;
  std::optional<GpuEvent> Take(Subscription& subscription);
  bool HasPending(const Subscription& subscription) const;

  const size_t queue_limit_;
  const size_t max_subscribers_;

  // Guards the subscriber list; held while on_event callbacks run, so that
  // Unsubscribe() waits for them. Taken before log_mu_.
  mutable std::mutex subscribers_mu_;
  std::vector<std::shared_ptr<Subscription>> subscribers_;
  uint64_t dropped_ = 0;

  // Guards the log and every subscription's position: exclusive to publish,
  // shared to read.
  mutable std::shared_mutex log_mu_;
  std::vector<GpuEvent> log_;  // event number `seq` lives at log_[seq % log_.size()]
  uint64_t head_ = 0;          // number of the next event published
};

}  // namespace nvsx::device
