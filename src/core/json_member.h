#pragma once

#include <initializer_list>
#include <string_view>

#include "nlohmann/json.hpp"

namespace nvsx::core {

// The value at `path` (member names, outermost first), or nullptr where a
// level is missing or not an object. Nothing is inserted as operator[] would.
const nlohmann::json* JsonFind(const nlohmann::json& object,
                               std::initializer_list<std::string_view> path);

// As JsonFind, but a null value where the path breaks off, so lookups chain
// without checks.
const nlohmann::json& JsonAt(const nlohmann::json& object,
                             std::initializer_list<std::string_view> path);

// The member `key` of `object`; null when `object` is no object or lacks it.
inline const nlohmann::json& JsonMember(const nlohmann::json& object, std::string_view key) {
  return JsonAt(object, {key});
}

}  // namespace nvsx::core
