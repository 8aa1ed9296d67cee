#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/json_projection.h"
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
  static constexpr size_t kDefaultMaxEventBytes = 64 << 20;

  // An event larger than `max_event_bytes` is an error (a runaway stream).
  // `object_projection`, when set, narrows the objects of ADDED, MODIFIED
  // and DELETED events as they are decoded (BOOKMARK and ERROR objects stay
  // whole), with the result Project() gives.
  explicit WatchDecoder(size_t max_event_bytes = kDefaultMaxEventBytes,
                        std::shared_ptr<const core::JsonProjection> object_projection = nullptr);

  // Decodes what `bytes` completes, appending the events to *events.
  absl::Status Feed(std::string_view bytes, std::vector<WatchEvent>* events);

  // Call at the end of the stream: an error if part of an event is pending.
  absl::Status Finish() const;

 private:
  // Finds where a JSON object ends, fed its bytes piecewise from its '{'.
  class EndScanner {
   public:
    // The offset in `bytes` of the '}' that closes the object, or npos.
    size_t Scan(std::string_view bytes);

   private:
    int depth_ = 0;
    bool in_string_ = false;
    bool escape_ = false;
  };

  absl::Status Fail(std::string message);
  // The event whose text starts `text`, when `text` holds all of it and it
  // is valid (*used: its length); nullopt otherwise.
  std::optional<nlohmann::json> DecodeIfWhole(std::string_view text, size_t* used) const;
  // Decodes the event that is exactly `text`.
  absl::Status DecodeExactly(std::string_view text, std::vector<WatchEvent>* events);
  // Appends the event `envelope` ({"type", "object"}, decoded from `text`).
  absl::Status Emit(nlohmann::json envelope, std::string_view text,
                    std::vector<WatchEvent>* events);

  const size_t max_event_bytes_;
  std::shared_ptr<const core::JsonProjection> object_projection_;
  // {"type", "object"} with the object narrowed by object_projection_.
  core::JsonProjection envelope_projection_;
  std::string pending_;  // the start of an event, when a chunk ended inside it
  EndScanner pending_end_;
  size_t events_seen_ = 0;
  absl::Status error_;
};

// The status an ERROR event carries (its Status object decoded as an API
// error: a 410 Expired reads apierrors::IsGone, so the caller relists).
absl::Status WatchErrorStatus(const nlohmann::json& status_object);

}  // namespace nvsx::kube
