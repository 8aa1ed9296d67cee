#include "core/json_member.h"

namespace nvsx::core {

const nlohmann::json* JsonFind(const nlohmann::json& object,
                               std::initializer_list<std::string_view> path) {
  const nlohmann::json* current = &object;
  for (std::string_view key : path) {
    if (!current->is_object()) return nullptr;
    auto it = current->find(key);
    if (it == current->end()) return nullptr;
    current = &*it;
  }
  return current;
}

const nlohmann::json& JsonAt(const nlohmann::json& object,
                             std::initializer_list<std::string_view> path) {
  static const nlohmann::json* const kNull = new nlohmann::json();
  const nlohmann::json* found = JsonFind(object, path);
  return found != nullptr ? *found : *kNull;
}

}  // namespace nvsx::core
