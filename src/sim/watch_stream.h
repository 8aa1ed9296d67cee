#pragma once

// The receiving end of one watch on the ObjectStore. The store pushes events
// without ever blocking: when the queue is full, the stream is closed with an
// ERROR event (410 Expired), and the client re-lists, as with a real server.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "sim/field_selector.h"
#include "sim/label_selector.h"

namespace nvsx::sim {

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  std::shared_ptr<const nlohmann::json> object;
  // `object` serialized, when the store has it (null otherwise).
  std::shared_ptr<const std::string> text;
};

// What a watch selects: one resource, optionally one namespace, selectors.
struct WatchFilter {
  std::string group_resource;
  std::string namespace_name;  // "" = all namespaces
  LabelSelector labels;
  FieldSelector fields;

  bool Matches(const nlohmann::json& object) const;
};

class WatchStream {
 public:
  WatchStream(WatchFilter filter, size_t queue_limit);

  // The next event, waiting up to `timeout`; nullopt when none came in time
  // or the stream is done.
  std::optional<WatchEvent> Next(absl::Duration timeout);

  // True once the stream was closed (overflow, or Close()) and drained.
  bool done();

  // Ends the stream: the store stops delivering to it.
  void Close();

  const WatchFilter& filter() const { return filter_; }

  // For the store, under its own lock. Never blocks on the reader. Returns
  // false when the stream is closed (the store may forget it).
  bool Offer(WatchEvent event);
  // Whether no event is waiting (the store uses it to place bookmarks).
  bool Idle();

 private:
  const WatchFilter filter_;
  const size_t queue_limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WatchEvent> queue_;
  bool closed_ = false;
};

}  // namespace nvsx::sim
