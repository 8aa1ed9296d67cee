#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kube/types/condition.h"
#include "kube/types/object_view.h"

namespace nvsx::kube {

// The extended resource and the GPU operator's node labels.
inline constexpr std::string_view kGpuResource = "nvidia.com/gpu";
inline constexpr std::string_view kGpuPresentLabel = "nvidia.com/gpu.present";
inline constexpr std::string_view kGpuProductLabel = "nvidia.com/gpu.product";

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
  std::optional<absl::Time> time_added;

  nlohmann::json ToJson() const;
  bool operator==(const Taint&) const = default;
};

// A core/v1 Node.
class Node : public ObjectView {
 public:
  using ObjectView::ObjectView;

  bool unschedulable() const;
  std::string provider_id() const;
  std::vector<Taint> taints() const;
  // A taint with `key` (and `effect`, unless empty).
  bool HasTaint(std::string_view key, std::string_view effect = "") const;
  std::vector<Condition> conditions() const;
  std::optional<Condition> FindCondition(std::string_view type) const;
  // The Ready condition is True.
  bool Ready() const;
  // nvidia.com/gpu in status.allocatable / status.capacity; 0 when absent or not an integer.
  int64_t AllocatableGpus() const;
  int64_t CapacityGpus() const;
  // The label nvidia.com/gpu.present is "true".
  bool GpuPresent() const;
  std::string GpuProduct() const;

  absl::Status Validate() const;
};

}  // namespace nvsx::kube
