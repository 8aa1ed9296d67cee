#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

// "ADDED", "MODIFIED", ...
std::string_view WatchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type;
  nlohmann::json object;  // the object; for kError a metav1.Status
};

// An incremental decoder for a watch response body: a stream of JSON objects
// {"type": ..., "object": {...}}, usually one per line but split across
// chunks anywhere. Feed it bytes as they arrive; it returns each event once
// its object is complete. It does not care about newlines between objects.
// An error is final: later Feed calls return it again.
class WatchDecoder {
 public:
  // An event larger than `max_event_bytes` is an error (a runaway stream).
  explicit WatchDecoder(size_t max_event_bytes = 64 << 20);

  // Decodes what `bytes` completes, appending the events to *events.
  absl::Status Feed(std::string_view bytes, std::vector<WatchEvent>* events);

  // Call at the end of the stream: an error if part of an event is pending.
  absl::Status Finish() const;

 private:
  absl::Status Fail(std::string message);
  absl::Status Emit(std::string_view text, std::vector<WatchEvent>* events);

  const size_t max_event_bytes_;
  std::string buffer_;  // undecoded bytes; an event in progress starts at 0
  size_t scan_ = 0;     // bytes of buffer_ already scanned
  int depth_ = 0;       // nesting of the event in progress (0: between events)
  bool in_string_ = false;
  bool escape_ = false;
  size_t events_seen_ = 0;
  absl::Status error_;
};

// The status an ERROR event carries (its Status object decoded as an API
// error: a 410 Expired reads apierrors::IsGone, so the caller relists).
absl::Status WatchErrorStatus(const nlohmann::json& status_object);

}  // namespace nvsx::kube
