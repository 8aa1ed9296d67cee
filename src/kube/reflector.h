#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/json_projection.h"
#include "core/logger.h"
#include "kube/backoff.h"
#include "kube/cancel_token.h"
#include "kube/resource.h"
#include "kube/rest_client.h"
#include "kube/watch_decoder.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

// Where a Reflector puts what it lists and watches (an informer's cache).
class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // A list's items, page by page. EndList means the list was complete and
  // its items are now the whole truth; a list that failed part way is simply
  // followed by another BeginList.
  virtual void BeginList() = 0;
  virtual void AddListed(nlohmann::json object) = 0;
  virtual void EndList() = 0;
  // An ADDED, MODIFIED or DELETED event from the watch.
  virtual void OnWatchEvent(WatchEventType type, nlohmann::json object) = 0;
};

struct ReflectorOptions {
  ResourceRef resource;  // a collection; namespace_name "" for all namespaces
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;  // list in pages of this many objects; 0: one request
  // Each watch asks the server to end it after this long, stretched by a
  // random factor in [1, 2) so many clients do not re-watch together.
  absl::Duration watch_timeout = absl::Minutes(5);
  // Between failed attempts (connection lost, server down, errors).
  Backoff backoff{absl::Milliseconds(200), 2.0, 0.5, absl::Seconds(30)};
  UniformRandom random;  // jitter source; empty: a seeded std::mt19937_64
  // When set, every listed and watched object (but bookmarks' and errors')
  // is narrowed by it as it is decoded, and so reaches the sink (list items
  // get their kind and apiVersion after).
  std::shared_ptr<const core::JsonProjection> object_projection;
};

// Counters, for tests and metrics.
struct ReflectorStats {
  int64_t lists = 0;             // complete lists (the first included)
  int64_t watches = 0;           // watch requests made
  int64_t gone = 0;              // 410 Gone answers (each followed by a list)
  int64_t failures = 0;          // other failed lists and watches (each backed off)
  std::string resource_version;  // the last one seen
};

// List-then-watch as client-go's Reflector does it: list (in pages), then
// watch from the list's resourceVersion, advancing it with every event and
// bookmark. A watch that ends is resumed from the last resourceVersion; a
// 410 Gone (the watch refused, or an ERROR event) means that version is
// history, so it lists again at once; anything else (a dropped connection, a
// server restarting) is retried with jittered exponential backoff.
class Reflector {
 public:
  // `client`, `clock` and `sink` must outlive the reflector.
  Reflector(RestClient* client, core::WaitableClock* clock, ReflectorOptions options,
            ReflectorSink* sink, core::Logger logger);

  // Lists and watches until `cancel` fires; returns promptly after.
  void Run(const CancelToken& cancel);

  ReflectorStats stats() const;

 private:
  absl::Status List(const CancelToken& cancel);
  // One watch; *progressed is set when an event or bookmark arrived.
  absl::Status Watch(const CancelToken& cancel, bool* progressed);
  double Random();

  RestClient* const client_;
  core::WaitableClock* const clock_;
  const ReflectorOptions options_;
  ReflectorSink* const sink_;
  core::Logger logger_;
  std::mt19937_64 rng_;
  mutable std::mutex mu_;
  ReflectorStats stats_;
};

}  // namespace nvsx::kube
