#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/compact_object.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

// The keys an object is filed under in one index (none: not indexed).
using IndexFunc = std::function<std::vector<std::string>(const nlohmann::json& object)>;
// Index name -> function.
using Indexers = std::map<std::string, IndexFunc>;

inline constexpr char kNamespaceIndex[] = "namespace";
inline constexpr char kNodeNameIndex[] = "nodeName";

// metadata.namespace (cluster-scoped objects are not indexed).
std::vector<std::string> IndexByNamespace(const nlohmann::json& object);
// The node an object belongs to: spec.nodeName for a Pod (unscheduled pods
// are not indexed), metadata.name for a Node.
std::vector<std::string> IndexByNodeName(const nlohmann::json& object);

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

// A thread-safe map from object key (ObjectKey) to object, with secondary
// indexes (client-go's thread-safe store and Indexer). Objects are stored
// compactly (see CompactObject) and decoded on each read, so every reader
// gets its own immutable copy. Nothing is kept per object beyond the object
// itself and one entry per index key: the maps point into the objects' own
// key bytes, and the index keys of a replaced or removed object are
// recomputed from its stored copy.
class IndexedCache {
 public:
  explicit IndexedCache(Indexers indexers = {});
  IndexedCache(const IndexedCache&) = delete;
  IndexedCache& operator=(const IndexedCache&) = delete;

  // The object under `key`, or null.
  ObjectPtr Get(const std::string& key) const;
  CompactObjectPtr GetCompact(const std::string& key) const;
  // Every object, ordered by key.
  std::vector<ObjectPtr> List() const;
  std::vector<std::string> ListKeys() const;
  // The objects (ordered by key) filed under `value` in index `index`;
  // NotFound when no index has that name.
  absl::StatusOr<std::vector<ObjectPtr>> ByIndex(const std::string& index,
                                                 const std::string& value) const;
  absl::StatusOr<std::vector<std::string>> IndexKeys(const std::string& index,
                                                     const std::string& value) const;
  // How many objects are filed under `value` in index `index`, without
  // copying their keys; NotFound when no index has that name.
  absl::StatusOr<size_t> IndexCount(const std::string& index, const std::string& value) const;
  // The values index `index` files objects under (empty for an unknown index).
  std::vector<std::string> IndexValues(const std::string& index) const;
  size_t size() const;
  // Every stored object, ordered by key.
  std::vector<CompactObjectPtr> Snapshot() const;

  // Stores `object` under its key; returns what it replaced, or null.
  // `decoded`, when given, is the same object decoded, which spares the
  // index functions a decode.
  CompactObjectPtr Put(CompactObjectPtr object, const nlohmann::json* decoded = nullptr);
  // Removes `key`; returns what it held, or null.
  CompactObjectPtr Remove(const std::string& key);

 private:
  // Keys are views of the stored objects' own key bytes (CompactObject::key),
  // valid while that object is stored.
  using Index = absl::flat_hash_map<std::string, absl::flat_hash_set<absl::string_view>>;

  void FileLocked(absl::string_view key, const nlohmann::json& object);
  void UnfileLocked(absl::string_view key, const CompactObject& object);

  const Indexers indexers_;
  mutable std::mutex mu_;
  absl::flat_hash_map<absl::string_view, CompactObjectPtr> items_;
  std::map<std::string, Index, std::less<>> indexes_;
};

}  // namespace nvsx::kube
