#pragma once

// Kubernetes field selectors, as sent in `?fieldSelector=`: comma-separated
// `path=value`, `path==value` or `path!=value` terms, ANDed. A path is a
// dotted path into the object (metadata.name, spec.nodeName, status.phase,
// involvedObject.uid, ...); a missing field reads as the empty string, as
// spec.nodeName does on the real server for an unscheduled pod. Values may
// escape ',', '=' and '\' with a backslash.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

class FieldSelector {
 public:
  struct Term {
    std::string path;
    bool equals;  // false: "!="
    std::string value;
  };

  // The empty selector matches everything.
  FieldSelector() = default;

  static absl::StatusOr<FieldSelector> Parse(std::string_view text);

  bool Matches(const nlohmann::json& object) const;

  // The value a term `path=...` demands, when the selector has one (used to
  // narrow a lookup, e.g. metadata.name).
  const std::string* RequiredValue(std::string_view path) const;

  bool empty() const { return terms_.empty(); }
  const std::vector<Term>& terms() const { return terms_; }

 private:
  std::vector<Term> terms_;
};

// The field at a dotted path as a selector compares it: strings as they are,
// numbers and booleans as their JSON text, missing or null as "".
std::string FieldValueAt(const nlohmann::json& object, std::string_view dotted_path);

}  // namespace nvsx::sim
