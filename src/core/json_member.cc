#include "core/json_member.h"

namespace nvsx::core {
namespace {

const nlohmann::json& Null() {
  static const nlohmann::json* const kNull = new nlohmann::json();
  return *kNull;
}

}  // namespace

const nlohmann::json& JsonMember(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return Null();
  auto it = object.find(key);
  return it == object.end() ? Null() : *it;
}

const nlohmann::json& JsonAt(const nlohmann::json& object,
                             std::initializer_list<std::string_view> path) {
  const nlohmann::json* node = &object;
  for (std::string_view key : path) {
    node = &JsonMember(*node, key);
    if (node->is_null()) break;
  }
  return *node;
}

}  // namespace nvsx::core
