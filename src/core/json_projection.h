#pragma once

// What to keep of a JSON value. A decoder given one builds only what it
// keeps (JsonDecodeOptions::projection) and checks the rest without building
// it; Project() narrows a value already decoded, to the same result.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"

namespace nvsx::core {

struct JsonProjectionField;

struct JsonProjection {
  enum class Keep {
    kAll,      // the whole value
    kNothing,  // none of it
    // Of an object: the members named in `fields`, each narrowed by its
    // projection; nothing when none of them keeps anything. Of an array:
    // every element narrowed by `elements` (an element that keeps nothing
    // becomes {}); nothing when no element keeps anything or `elements` is
    // unset. Of anything else: nothing.
    kSelected,
    // Of an object: every member, those named in `fields` narrowed by their
    // projection (and left out when it keeps nothing). Of an array: every
    // element, narrowed by `elements` when set (one that keeps nothing
    // becomes {}). Anything else whole.
    kAllBut,
  };
  Keep keep = Keep::kAll;
  std::vector<JsonProjectionField> fields;  // no name twice
  std::shared_ptr<const JsonProjection> elements;
  // Where this projection keeps nothing of a value, it gives {} instead.
  bool empty_object_for_nothing = false;

  // The projection `fields` names for member `name`, or null: then a
  // kSelected projection keeps nothing of the member and a kAllBut one all.
  const JsonProjection* Field(std::string_view name) const;
};

struct JsonProjectionField {
  std::string name;
  JsonProjection projection;
};

// A kSelected projection keeping what `paths` reach: each path is a list of
// member names, "*" standing for every element of an array. An empty path
// keeps everything. Kept paths may overlap ({"a"} and {"a", "b"}).
JsonProjection KeepPaths(const std::vector<std::vector<std::string>>& paths);

// `value` narrowed by `projection`; {} when nothing is kept.
nlohmann::json Project(nlohmann::json value, const JsonProjection& projection);

}  // namespace nvsx::core
