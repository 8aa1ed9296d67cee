#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/rest_client.h"
#include "kube/types/event.h"

namespace nvsx::kube {

enum class EventType { kNormal, kWarning };
std::string_view EventTypeName(EventType type);  // "Normal", "Warning"

// Which Events API the recorder writes.
enum class EventApi { kEventsV1, kCoreV1 };

struct EventRecorderOptions {
  core::WaitableClock* clock = nullptr;  // required; must outlive the recorder
  std::string reporting_controller;      // required, e.g. "nvsentinel.nvidia.com/controller"
  std::string reporting_instance;        // required, e.g. the pod name
  // Events waiting to be written; Record drops (and counts) beyond this.
  // Sized for a burst: the controller records about six Events per failing
  // node, and 750 nodes failing at once left 3,500 waiting behind the one
  // writer (1,024 dropped 2,500 of them). An occurrence is about 1 KiB.
  size_t queue_capacity = 16384;
  // A repeat within this long of the last occurrence updates that Event's
  // count instead of creating a new one.
  absl::Duration aggregation_window = absl::Minutes(10);
  // Repeating events remembered for aggregation; the least recently seen go first.
  size_t max_series = 4096;
};

struct EventRecorderStats {
  uint64_t created = 0;     // Event objects created
  uint64_t aggregated = 0;  // occurrences folded into an existing Event's count
  uint64_t dropped = 0;     // refused by a full queue or after Stop
  uint64_t failed = 0;      // occurrences whose write the server refused
};

// Records Kubernetes Events about objects, as client-go's recorders do:
// events.k8s.io/v1 Events, or core/v1 events when the server does not serve
// events.k8s.io (decided on the first 404 for the resource and kept). The
// same (object, type, reason, action, note) again within the aggregation
// window updates the existing Event (series.count and lastObservedTime; in
// core/v1 count and lastTimestamp) instead of creating another.
//
// Record never blocks on the network: a background thread writes. Events of
// cluster-scoped objects (Nodes, HealthEvents) go to namespace "default".
class EventRecorder {
 public:
  // `client` must outlive the recorder.
  EventRecorder(RestClient* client, EventRecorderOptions options, core::Logger logger);
  ~EventRecorder();  // Stop()
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Queues one occurrence; an empty action reads as the reason. Thread-safe.
  void Record(const ObjectReference& regarding, EventType type, std::string_view reason,
              std::string_view action, std::string_view note);

  // Returns once everything recorded before the call is written (or failed).
  void Flush();
  // Writes what is queued, then stops the thread; later Records are dropped. Idempotent.
  void Stop();

  EventRecorderStats stats() const;
  EventApi api() const;

 private:
  struct Occurrence {
    ObjectReference regarding;
    EventType type;
    std::string reason;
    std::string action;
    std::string note;
    absl::Time time;
    std::string key;  // what makes two occurrences repeats of one Event
  };
  // The Event an occurrence key was last written to.
  struct Series {
    std::string namespace_name;
    std::string name;
    EventApi api;
    int64_t count = 0;
    absl::Time last_seen;
  };

  void Run();
  // Writes `count` occurrences of `first`'s key, the last at `last_time`.
  void Write(const Occurrence& first, int64_t count, absl::Time last_time);
  absl::Status CreateEvent(const Occurrence& first, int64_t count, absl::Time last_time,
                           Series& series);
  absl::Status UpdateSeries(const Series& series, absl::Time last_time);
  std::string NextName(const ObjectReference& regarding, absl::Time time);
  void ForgetOldestSeries();

  RestClient* const client_;
  const EventRecorderOptions options_;
  core::Logger logger_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Occurrence> queue_;
  uint64_t enqueued_ = 0;  // occurrences ever queued
  uint64_t finished_ = 0;  // of those, written or failed
  bool stopping_ = false;
  EventRecorderStats stats_;
  EventApi api_ = EventApi::kEventsV1;

  // Touched by the writer thread only.
  std::map<std::string, Series> series_;
  int64_t last_name_nanos_ = 0;

  std::thread thread_;
};

}  // namespace nvsx::kube
