#pragma once

// Kubernetes label selectors, as sent in `?labelSelector=`: equality-based
// (`a=b`, `a==b`, `a!=b`), set-based (`a in (x,y)`, `a notin (x)`, `a`, `!a`)
// and numeric (`a>3`, `a<3`), comma-separated and ANDed.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

class LabelSelector {
 public:
  enum class Op {
    kEquals,
    kNotEquals,
    kIn,
    kNotIn,
    kExists,
    kDoesNotExist,
    kGreaterThan,
    kLessThan
  };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };

  // The empty selector matches everything.
  LabelSelector() = default;

  // Parses selector text; errors (400-worthy) say where the text went wrong.
  static absl::StatusOr<LabelSelector> Parse(std::string_view text);

  // Builds a selector from a metav1.LabelSelector object
  // ({matchLabels: {...}, matchExpressions: [{key, operator, values}]}), as
  // PodDisruptionBudgets carry. A null object matches nothing, as in policy/v1.
  static absl::StatusOr<LabelSelector> FromJson(const nlohmann::json& selector);

  // `labels` is an object of strings (metadata.labels) or null for no labels.
  bool Matches(const nlohmann::json& labels) const;

  bool empty() const { return requirements_.empty() && !match_nothing_; }
  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
  bool match_nothing_ = false;
};

}  // namespace nvsx::sim
