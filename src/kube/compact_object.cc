#include "kube/compact_object.h"

#include <array>
#include <cstring>
#include <iterator>
#include <map>
#include <vector>

#include "core/str_cat.h"

namespace nvsx::kube {
namespace {

// Field names that nearly every Kubernetes object repeats. Stored, each is
// one byte instead of its name: a byte that cannot be a whole UTF-8 string
// (0x80 to 0xBF, 0xC0, 0xC1 and 0xF5 to 0xFF), so no real key is mistaken
// for one. Field names are most of a small object's bytes.
constexpr const char* kFieldNames[] = {"apiVersion",
                                       "kind",
                                       "metadata",
                                       "name",
                                       "namespace",
                                       "uid",
                                       "resourceVersion",
                                       "generation",
                                       "creationTimestamp",
                                       "deletionTimestamp",
                                       "deletionGracePeriodSeconds",
                                       "labels",
                                       "annotations",
                                       "ownerReferences",
                                       "finalizers",
                                       "managedFields",
                                       "controller",
                                       "blockOwnerDeletion",
                                       "generateName",
                                       "spec",
                                       "status",
                                       "nodeName",
                                       "containers",
                                       "initContainers",
                                       "image",
                                       "imagePullPolicy",
                                       "command",
                                       "args",
                                       "ports",
                                       "containerPort",
                                       "protocol",
                                       "env",
                                       "value",
                                       "valueFrom",
                                       "resources",
                                       "limits",
                                       "requests",
                                       "volumeMounts",
                                       "mountPath",
                                       "readOnly",
                                       "volumes",
                                       "tolerations",
                                       "key",
                                       "operator",
                                       "effect",
                                       "tolerationSeconds",
                                       "taints",
                                       "unschedulable",
                                       "conditions",
                                       "type",
                                       "reason",
                                       "message",
                                       "lastHeartbeatTime",
                                       "lastTransitionTime",
                                       "lastProbeTime",
                                       "phase",
                                       "hostIP",
                                       "podIP",
                                       "podIPs",
                                       "ip",
                                       "startTime",
                                       "qosClass",
                                       "containerStatuses",
                                       "ready",
                                       "restartCount",
                                       "imageID",
                                       "containerID",
                                       "started",
                                       "state",
                                       "running",
                                       "startedAt",
                                       "capacity",
                                       "allocatable",
                                       "addresses",
                                       "address",
                                       "nodeInfo",
                                       "images"};

// The byte standing for kFieldNames[i].
constexpr unsigned char CodeFor(size_t i) {
  if (i < 64) return static_cast<unsigned char>(0x80 + i);
  if (i < 66) return static_cast<unsigned char>(0xC0 + (i - 64));
  return static_cast<unsigned char>(0xF5 + (i - 66));
}
static_assert(std::size(kFieldNames) <= 77, "only 77 one-byte codes exist");

const std::string* ExpandedName(const std::string& stored) {
  static const auto* const kByCode = [] {
    auto* table = new std::array<std::string, 256>();
    for (size_t i = 0; i < std::size(kFieldNames); ++i) (*table)[CodeFor(i)] = kFieldNames[i];
    return table;
  }();
  if (stored.size() != 1) return nullptr;
  const std::string& name = (*kByCode)[static_cast<unsigned char>(stored[0])];
  return name.empty() ? nullptr : &name;
}

// `object` with every well-known field name replaced by its code.
nlohmann::json Shortened(const nlohmann::json& object) {
  static const auto* const kCodes = [] {
    auto* codes = new std::map<std::string, std::string, std::less<>>();
    for (size_t i = 0; i < std::size(kFieldNames); ++i) {
      (*codes)[kFieldNames[i]] = std::string(1, static_cast<char>(CodeFor(i)));
    }
    return codes;
  }();
  if (object.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : object) out.push_back(Shortened(item));
    return out;
  }
  if (!object.is_object()) return object;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : object.items()) {
    auto code = kCodes->find(name);
    out[code == kCodes->end() ? name : code->second] = Shortened(value);
  }
  return out;
}

// Builds the object from CBOR as nlohmann's own DOM parser does, restoring
// the field names as it goes (no second pass over the tree).
class ExpandingParser : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
 public:
  explicit ExpandingParser(nlohmann::json& result)
      : nlohmann::detail::json_sax_dom_parser<nlohmann::json>(result, false) {}
  bool key(std::string& name) {
    if (const std::string* expanded = ExpandedName(name)) {
      std::string copy = *expanded;
      return nlohmann::detail::json_sax_dom_parser<nlohmann::json>::key(copy);
    }
    return nlohmann::detail::json_sax_dom_parser<nlohmann::json>::key(name);
  }
};

std::string StringAt(const nlohmann::json& object, const char* field) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto value = metadata->find(field);
  return value != metadata->end() && value->is_string() ? value->get<std::string>() : "";
}

}  // namespace

std::string ObjectKey(const nlohmann::json& object) {
  std::string name = StringAt(object, "name");
  std::string namespace_name = StringAt(object, "namespace");
  return namespace_name.empty() ? name : core::StrCat(namespace_name, "/", name);
}

std::string ResourceVersionOf(const nlohmann::json& object) {
  return StringAt(object, "resourceVersion");
}

CompactObject::CompactObject(const nlohmann::json& object) {
  const std::string key = ObjectKey(object);
  const std::string version = ResourceVersionOf(object);
  const std::vector<uint8_t> cbor = nlohmann::json::to_cbor(Shortened(object));
  key_size_ = static_cast<uint32_t>(key.size());
  version_size_ = static_cast<uint32_t>(version.size());
  cbor_size_ = static_cast<uint32_t>(cbor.size());
  // One allocation of the exact size.
  data_ = std::make_unique_for_overwrite<char[]>(key.size() + version.size() + cbor.size());
  std::memcpy(data_.get(), key.data(), key.size());
  std::memcpy(data_.get() + key.size(), version.data(), version.size());
  std::memcpy(data_.get() + key.size() + version.size(), cbor.data(), cbor.size());
}

nlohmann::json CompactObject::Decode() const {
  const auto* cbor = reinterpret_cast<const uint8_t*>(data_.get() + key_size_ + version_size_);
  nlohmann::json out;
  ExpandingParser parser(out);
  if (!nlohmann::json::sax_parse(cbor, cbor + cbor_size_, &parser,
                                 nlohmann::json::input_format_t::cbor, /*strict=*/true)) {
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  return out;
}

}  // namespace nvsx::kube
