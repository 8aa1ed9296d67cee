#pragma once

// The embedded API server's storage: every object of every resource in
// memory, as JSON, with one monotonic resourceVersion counter across all of
// them and a bounded history of changes that watches replay from.
//
// Thread-safe. Writers never wait for watchers: each watch has a bounded
// queue and is cut off (410 Expired) when it falls behind.
//
// Objects are keyed by ResourceInfo::GroupResource(), namespace and name; the
// caller (the HTTP layer) decides which namespace a resource lives in and
// that the namespace exists. All errors are ApiError statuses.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "nlohmann/json.hpp"
#include "sim/field_selector.h"
#include "sim/label_selector.h"
#include "sim/resource_info.h"
#include "sim/watch_stream.h"

namespace nvsx::sim {

struct ObjectStoreOptions {
  // Changes kept for watches; a watch from an older resourceVersion gets 410.
  size_t history_limit = 10000;
  // Events a watcher may have waiting before it is cut off.
  size_t watch_queue_limit = 10000;
  // Seeds the generateName suffixes and uids.
  uint64_t seed = 1;
};

struct ListOptions {
  LabelSelector labels;
  FieldSelector fields;
  int64_t limit = 0;  // 0: no limit
  std::string continue_token;
};

struct ListResult {
  std::vector<std::shared_ptr<const nlohmann::json>> items;
  // items[i] serialized (the store keeps each object's text, so a list of
  // thousands of objects does not serialize them again).
  std::vector<std::shared_ptr<const std::string>> texts;
  std::string resource_version;
  std::string continue_token;  // "" when the list is complete
  int64_t remaining = 0;       // items after this page (when continue_token is set)
};

struct DeleteOptions {
  std::optional<std::string> resource_version;  // precondition
  std::optional<std::string> uid;               // precondition
  // Graceful deletion: above 0 the object is only marked (deletionTimestamp
  // = now + grace, deletionGracePeriodSeconds = grace) and goes when deleted
  // again with 0, as a kubelet does once a pod has stopped. A second delete
  // may shorten the grace period, never lengthen it.
  int64_t grace_period_seconds = 0;
};

// One stored object as a journal saves it: the resource's GroupResource(),
// "namespace/name" ("/name" when cluster-scoped) and the object's JSON.
struct SavedObject {
  std::string group_resource;
  std::string key;
  std::string text;
};

// Where the store writes every change through, e.g. a StateFile. Called
// under the store's lock, in resourceVersion order, so it must be quick and
// must not call back into the store.
class ObjectJournal {
 public:
  virtual ~ObjectJournal() = default;
  virtual void Put(const SavedObject& object, int64_t resource_version) = 0;
  virtual void Remove(const std::string& group_resource, const std::string& key,
                      int64_t resource_version) = 0;
};

// Which part of an object an update writes, for resources with a status
// subresource: the main resource ignores status, the status subresource
// ignores everything but status.
enum class Subresource { kMain, kStatus };

class ObjectStore {
 public:
  ObjectStore(const core::Clock* clock, ObjectStoreOptions options);

  // Stores a new object. metadata.name or metadata.generateName is required;
  // sets namespace (for namespaced resources), uid, resourceVersion,
  // creationTimestamp and generation. 409 AlreadyExists when the name is taken.
  absl::StatusOr<nlohmann::json> Create(const ResourceInfo& resource,
                                        const std::string& namespace_name, nlohmann::json object);

  absl::StatusOr<nlohmann::json> Get(const ResourceInfo& resource,
                                     const std::string& namespace_name, const std::string& name);

  // Objects ordered by namespace then name. `namespace_name` "" lists all.
  absl::StatusOr<ListResult> List(const ResourceInfo& resource, const std::string& namespace_name,
                                  const ListOptions& options);

  // Replaces an object. A non-empty metadata.resourceVersion that is not the
  // stored one is 409 Conflict; an empty one updates unconditionally.
  absl::StatusOr<nlohmann::json> Update(const ResourceInfo& resource,
                                        const std::string& namespace_name, const std::string& name,
                                        nlohmann::json object, Subresource subresource);

  // Read-modify-write under the store's lock: `mutate` gets the stored object
  // and returns the new one, which is then written as Update writes it (a
  // resourceVersion the mutation set is a precondition).
  using Mutation = std::function<absl::StatusOr<nlohmann::json>(const nlohmann::json& current)>;
  absl::StatusOr<nlohmann::json> Mutate(const ResourceInfo& resource,
                                        const std::string& namespace_name, const std::string& name,
                                        const Mutation& mutate, Subresource subresource);

  // Deletes an object, or marks it with deletionTimestamp while it has a
  // grace period (see DeleteOptions) or finalizers; one held only by
  // finalizers goes when an update empties them. Returns the object as
  // deleted (or as marked).
  absl::StatusOr<nlohmann::json> Delete(const ResourceInfo& resource,
                                        const std::string& namespace_name, const std::string& name,
                                        const DeleteOptions& options);

  // Starts a watch. resource_version "" or "0": ADDED events for every
  // matching object first, then changes; "N": every change after N, or 410
  // Expired when N is older than the history; 400 for a malformed version.
  absl::StatusOr<std::shared_ptr<WatchStream>> Watch(WatchFilter filter,
                                                     const std::string& resource_version);

  // A BOOKMARK event for `stream` when it has nothing waiting (so every change
  // up to the current version has reached it), otherwise nullopt.
  std::optional<WatchEvent> Bookmark(WatchStream& stream, const std::string& api_version,
                                     const std::string& kind);

  std::string CurrentResourceVersion();

  // Puts saved objects back, before anything else is stored, with no watch
  // events: the resourceVersion counter goes on from `resource_version` (and
  // watches from before it get 410 Expired, the history being gone).
  absl::Status Restore(const std::vector<SavedObject>& objects, int64_t resource_version);

  // Every later change is written through to `journal` (null: none), which
  // must outlive the store or be detached first.
  void SetJournal(ObjectJournal* journal);

  // RFC 3339 UTC with seconds, as Kubernetes timestamps read.
  std::string Timestamp();

  const core::Clock* clock() const { return clock_; }

 private:
  // A stored object and its serialized text.
  struct Entry {
    std::shared_ptr<const nlohmann::json> object;
    std::shared_ptr<const std::string> text;
  };
  struct Change {
    int64_t resource_version;
    std::string group_resource;
    std::string type;
    Entry entry;
    std::shared_ptr<const nlohmann::json> previous;  // for MODIFIED
  };
  using Bucket = std::map<std::string, Entry>;

  static Entry MakeEntry(nlohmann::json object);

  absl::StatusOr<nlohmann::json> WriteLocked(const ResourceInfo& resource, Bucket& bucket,
                                             const std::string& key, nlohmann::json object,
                                             Subresource subresource);
  void RecordLocked(Change change);
  void DeliverLocked(const Change& change);
  std::string NewUidLocked();

  const core::Clock* const clock_;
  const ObjectStoreOptions options_;
  std::mutex mu_;
  int64_t resource_version_ = 0;
  // Changes with resourceVersion <= compacted_ are no longer in history_.
  int64_t compacted_ = 0;
  std::map<std::string, Bucket> buckets_;  // group_resource -> "namespace/name" -> object
  std::deque<Change> history_;
  std::map<std::string, std::vector<std::weak_ptr<WatchStream>>> watchers_;
  std::mt19937_64 random_;
  ObjectJournal* journal_ = nullptr;
};

}  // namespace nvsx::sim
