#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kube/types/object_view.h"

namespace nvsx::kube {

// A coordination.k8s.io/v1 Lease.
class Lease : public ObjectView {
 public:
  using ObjectView::ObjectView;

  std::string holder_identity() const;
  std::optional<int64_t> lease_duration_seconds() const;
  std::optional<absl::Time> acquire_time() const;
  std::optional<absl::Time> renew_time() const;
  int64_t lease_transitions() const;
  // Renewed less than lease_duration_seconds before `now` by a holder. By the
  // writer's clock: electors compare against their own observation instead.
  bool HeldAt(absl::Time now) const;

  absl::Status Validate() const;
};

}  // namespace nvsx::kube
