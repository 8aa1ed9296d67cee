#include "kube/indexed_cache.h"

#include <algorithm>

#include "core/str_cat.h"

namespace nvsx::kube {
namespace {

std::string StringAt(const nlohmann::json& object, const char* outer, const char* inner) {
  auto parent = object.find(outer);
  if (parent == object.end() || !parent->is_object()) return "";
  auto value = parent->find(inner);
  return value != parent->end() && value->is_string() ? value->get<std::string>() : "";
}

absl::string_view KeyOf(const CompactObject& object) {
  std::string_view key = object.key();
  return {key.data(), key.size()};
}

bool ByKey(const CompactObjectPtr& a, const CompactObjectPtr& b) { return a->key() < b->key(); }

std::vector<ObjectPtr> DecodeAll(const std::vector<CompactObjectPtr>& stored) {
  std::vector<ObjectPtr> out;
  out.reserve(stored.size());
  for (const CompactObjectPtr& object : stored) {
    out.push_back(std::make_shared<const nlohmann::json>(object->Decode()));
  }
  return out;
}

}  // namespace

std::vector<std::string> IndexByNamespace(const nlohmann::json& object) {
  std::string namespace_name = StringAt(object, "metadata", "namespace");
  if (namespace_name.empty()) return {};
  return {std::move(namespace_name)};
}

std::vector<std::string> IndexByNodeName(const nlohmann::json& object) {
  std::string node = object.value("kind", "") == "Node" ? StringAt(object, "metadata", "name")
                                                        : StringAt(object, "spec", "nodeName");
  if (node.empty()) return {};
  return {std::move(node)};
}

IndexedCache::IndexedCache(Indexers indexers) : indexers_(std::move(indexers)) {
  for (const auto& [name, function] : indexers_) indexes_[name];
}

ObjectPtr IndexedCache::Get(const std::string& key) const {
  CompactObjectPtr stored = GetCompact(key);
  return stored ? std::make_shared<const nlohmann::json>(stored->Decode()) : nullptr;
}

CompactObjectPtr IndexedCache::GetCompact(const std::string& key) const {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = items_.find(absl::string_view(key));
  return it == items_.end() ? nullptr : it->second;
}

std::vector<CompactObjectPtr> IndexedCache::Snapshot() const {
  std::vector<CompactObjectPtr> out;
  {
    std::lock_guard<std::mutex> guard(mu_);
    out.reserve(items_.size());
    for (const auto& [key, object] : items_) out.push_back(object);
  }
  std::sort(out.begin(), out.end(), ByKey);
  return out;
}

std::vector<ObjectPtr> IndexedCache::List() const { return DecodeAll(Snapshot()); }

std::vector<std::string> IndexedCache::ListKeys() const {
  std::vector<std::string> keys;
  for (const CompactObjectPtr& object : Snapshot()) keys.emplace_back(object->key());
  return keys;
}

size_t IndexedCache::size() const {
  std::lock_guard<std::mutex> guard(mu_);
  return items_.size();
}

absl::StatusOr<std::vector<std::string>> IndexedCache::IndexKeys(const std::string& index,
                                                                 const std::string& value) const {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> guard(mu_);
  auto found = indexes_.find(index);
  if (found == indexes_.end()) {
    return absl::NotFoundError(core::StrCat("cache: no index named \"", index, "\""));
  }
  auto bucket = found->second.find(value);
  if (bucket == found->second.end()) return out;
  for (absl::string_view key : bucket->second) out.emplace_back(key.data(), key.size());
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<size_t> IndexedCache::IndexCount(const std::string& index,
                                                const std::string& value) const {
  std::lock_guard<std::mutex> guard(mu_);
  auto found = indexes_.find(index);
  if (found == indexes_.end()) {
    return absl::NotFoundError(core::StrCat("cache: no index named \"", index, "\""));
  }
  auto bucket = found->second.find(value);
  return bucket == found->second.end() ? 0 : bucket->second.size();
}

absl::StatusOr<std::vector<ObjectPtr>> IndexedCache::ByIndex(const std::string& index,
                                                             const std::string& value) const {
  std::vector<CompactObjectPtr> stored;
  {
    std::lock_guard<std::mutex> guard(mu_);
    auto found = indexes_.find(index);
    if (found == indexes_.end()) {
      return absl::NotFoundError(core::StrCat("cache: no index named \"", index, "\""));
    }
    auto bucket = found->second.find(value);
    if (bucket != found->second.end()) {
      for (absl::string_view key : bucket->second) stored.push_back(items_.at(key));
    }
  }
  std::sort(stored.begin(), stored.end(), ByKey);
  return DecodeAll(stored);
}

std::vector<std::string> IndexedCache::IndexValues(const std::string& index) const {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> guard(mu_);
  auto found = indexes_.find(index);
  if (found == indexes_.end()) return out;
  for (const auto& [value, keys] : found->second) out.push_back(value);
  std::sort(out.begin(), out.end());
  return out;
}

void IndexedCache::FileLocked(absl::string_view key, const nlohmann::json& object) {
  for (const auto& [name, function] : indexers_) {
    Index& index = indexes_.find(name)->second;
    for (std::string& value : function(object)) index[std::move(value)].insert(key);
  }
}

void IndexedCache::UnfileLocked(absl::string_view key, const CompactObject& object) {
  if (indexers_.empty()) return;
  const nlohmann::json decoded = object.Decode();
  for (const auto& [name, function] : indexers_) {
    Index& index = indexes_.find(name)->second;
    for (const std::string& value : function(decoded)) {
      auto bucket = index.find(value);
      if (bucket == index.end()) continue;
      bucket->second.erase(key);
      if (bucket->second.empty()) index.erase(bucket);
    }
  }
}

CompactObjectPtr IndexedCache::Put(CompactObjectPtr object, const nlohmann::json* decoded) {
  nlohmann::json own;
  if (decoded == nullptr && !indexers_.empty()) {
    own = object->Decode();
    decoded = &own;
  }
  const absl::string_view key = KeyOf(*object);
  std::lock_guard<std::mutex> guard(mu_);
  CompactObjectPtr previous;
  if (auto it = items_.find(key); it != items_.end()) {
    previous = std::move(it->second);
    UnfileLocked(key, *previous);
    // The stored key is a view into the previous object: re-key on the new one.
    items_.erase(it);
  }
  if (decoded != nullptr) FileLocked(key, *decoded);
  items_.emplace(key, std::move(object));
  return previous;
}

CompactObjectPtr IndexedCache::Remove(const std::string& key) {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = items_.find(absl::string_view(key));
  if (it == items_.end()) return nullptr;
  CompactObjectPtr previous = std::move(it->second);
  items_.erase(it);
  UnfileLocked(KeyOf(*previous), *previous);
  return previous;
}

}  // namespace nvsx::kube
