#pragma once

// What RebootNode and GPUReset (janitor.dgxc.nvidia.com/v1alpha1) share: a
// node name in spec, and status.startTime, completionTime and conditions, as
// NVSentinel's janitor writes them.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kube/types/condition.h"
#include "kube/types/object_view.h"

namespace nvsx::kube {

inline constexpr std::string_view kJanitorGroup = "janitor.dgxc.nvidia.com";
inline constexpr std::string_view kJanitorVersion = "v1alpha1";

// Where a request stands: not started (no startTime), started (no
// completionTime), or completed, successfully when its success condition is
// True and failed otherwise.
enum class JanitorState { kPending, kInProgress, kSucceeded, kFailed };

std::string_view JanitorStateName(JanitorState state);

class JanitorRequest : public ObjectView {
 public:
  using ObjectView::ObjectView;

  std::string node_name() const;
  std::optional<absl::Time> start_time() const;
  std::optional<absl::Time> completion_time() const;
  std::vector<Condition> conditions() const;
  std::optional<Condition> FindCondition(std::string_view type) const;

 protected:
  JanitorState StateBy(std::string_view success_condition) const;
  // The checks both kinds share; `check_spec` adds the kind's own spec fields.
  absl::Status ValidateAs(std::string_view kind,
                          const std::function<void(FieldChecker&)>& check_spec) const;
};

}  // namespace nvsx::kube
