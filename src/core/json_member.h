#pragma once

#include <initializer_list>
#include <string_view>

#include "nlohmann/json.hpp"

namespace nvsx::core {

// The member `key` of `object`; null when `object` is no object or lacks it.
// Lookups chain without checks, and nothing is inserted as operator[] would.
const nlohmann::json& JsonMember(const nlohmann::json& object, std::string_view key);

// The value at `path` (member names, outermost first); null where it breaks off.
const nlohmann::json& JsonAt(const nlohmann::json& object,
                             std::initializer_list<std::string_view> path);

}  // namespace nvsx::core
