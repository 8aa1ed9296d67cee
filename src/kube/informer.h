#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/cancel_token.h"
#include "kube/compact_object.h"
#include "kube/indexed_cache.h"
#include "kube/object_transform.h"
#include "kube/reflector.h"
#include "kube/rest_client.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

// What an informer tells its callers. Any member may be empty. On a delete
// that the informer only learned of by listing again (the watch missed it),
// the object is the last state it had cached.
struct EventHandlers {
  std::function<void(const nlohmann::json& object)> on_add;
  std::function<void(const nlohmann::json& old_object, const nlohmann::json& new_object)> on_update;
  std::function<void(const nlohmann::json& object)> on_delete;
};

struct InformerOptions {
  ReflectorOptions reflector;  // what to list and watch, and how to retry
  Indexers indexers;           // e.g. {kNamespaceIndex, IndexByNamespace}
  // Applied to every object before it is cached or handed to a handler; a
  // projection (KeepFields, StripManagedFields) while it is decoded.
  Transform transform;
  // Every resync_period, on_update(object, object) for every cached object,
  // so level-triggered handlers get to re-check; zero: never.
  absl::Duration resync_period = absl::ZeroDuration();
};

// A cache of one resource kept current by list and watch (client-go's shared
// informer): a Reflector fills an IndexedCache, and every change to the cache
// becomes one handler call. Handlers run on one thread, one call at a time,
// in the order the changes happened, and see each change once: a relist after
// 410 Gone or a reconnect delivers only the difference between the cache and
// the new list (an object whose resourceVersion did not change is not
// delivered again), and a watch event the cache already holds is dropped.
class Informer : private ReflectorSink {
 public:
  // `client` and `clock` must outlive the informer.
  Informer(RestClient* client, core::WaitableClock* clock, InformerOptions options,
           core::Logger logger = core::Logger::Discard());
  // Stops it.
  ~Informer() override;
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Before Start(): handlers added later would miss events.
  void AddEventHandlers(EventHandlers handlers);

  // Starts listing, watching and delivering, on two threads of its own. Once.
  void Start();
  // Ends the watch (promptly, even when idle), waits for a handler call in
  // progress, and joins the threads; pending notifications are dropped.
  // Idempotent.
  void Stop();

  // True once the first complete list is in the cache and every handler has
  // been called for each of its objects.
  bool HasSynced() const;
  // Waits (on the informer's clock) until HasSynced(); false when `timeout`
  // passed first or the informer stopped.
  bool WaitForCacheSync(absl::Duration timeout);

  // The cache, for reads from any thread.
  const IndexedCache& cache() const { return cache_; }
  ReflectorStats stats() const { return reflector_.stats(); }

 private:
  struct Notification {
    enum class Kind { kAdd, kUpdate, kDelete, kSynced } kind;
    CompactObjectPtr old_object;  // kUpdate
    CompactObjectPtr object;      // the new object; kDelete: the deleted one
  };

  // ReflectorSink, on the reflector's thread.
  void BeginList() override;
  void AddListed(nlohmann::json object) override;
  void EndList() override;
  void OnWatchEvent(WatchEventType type, nlohmann::json object) override;

  // The transform, unless the reflector applied it while decoding.
  nlohmann::json Transformed(nlohmann::json object) const;
  void EnqueueLocked(Notification notification);
  void EnqueueResyncLocked();
  void DispatchLoop();
  void Deliver(const Notification& notification);

  core::WaitableClock* const clock_;
  const InformerOptions options_;
  core::Logger logger_;
  IndexedCache cache_;
  Reflector reflector_;
  std::vector<EventHandlers> handlers_;
  CancelToken cancel_;

  // The list in progress (reflector thread only).
  std::vector<CompactObjectPtr> listing_;
  bool listed_once_ = false;  // reflector thread only

  // Guards the queue and makes "change the cache, queue its notification"
  // one step, so the queue always leads to the cache's current state.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Notification> queue_;
  bool synced_ = false;
  bool stopping_ = false;
  bool started_ = false;
  std::thread reflector_thread_;
  std::thread dispatch_thread_;
};

}  // namespace nvsx::kube
