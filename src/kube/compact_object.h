#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

namespace nvsx::kube {

// "namespace/name", or "name" for cluster-scoped objects (client-go's
// MetaNamespaceKeyFunc).
std::string ObjectKey(const nlohmann::json& object);

// metadata.resourceVersion of `object`, or "" when it has none.
std::string ResourceVersionOf(const nlohmann::json& object);

// An API object kept in a cache as CBOR (nlohmann::json::to_cbor) with the
// common Kubernetes field names shortened to one byte, decoded on each read.
// Why: a decoded nlohmann::json spends 60 to 100 bytes per value on tree
// nodes and keys, so a typical Pod costs about 25 KB decoded against under
// 3 KB here; decoding a small object takes microseconds, which each read pays
// instead of every cached object paying the memory. The key
// and resourceVersion sit beside the CBOR in the same allocation, so keying
// and comparing versions need no decoding. Immutable, so one copy is shared
// by the cache and queued notifications.
class CompactObject {
 public:
  explicit CompactObject(const nlohmann::json& object);

  nlohmann::json Decode() const;
  // ObjectKey() of the object.
  std::string_view key() const { return {data_.get(), key_size_}; }
  std::string_view resource_version() const { return {data_.get() + key_size_, version_size_}; }
  // Bytes of CBOR, for accounting.
  size_t encoded_bytes() const { return cbor_size_; }

 private:
  std::unique_ptr<char[]> data_;  // key, resourceVersion, CBOR, back to back
  uint32_t key_size_ = 0;
  uint32_t version_size_ = 0;
  uint32_t cbor_size_ = 0;
};

using CompactObjectPtr = std::shared_ptr<const CompactObject>;

}  // namespace nvsx::kube
