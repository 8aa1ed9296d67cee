#pragma once

// What each XID (the driver's numbered error report) means and what to do
// about it. The built-in table is the one place these facts live.

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "health/recommended_action.h"

namespace nvsx::health {

struct XidInfo {
  uint32_t code = 0;
  std::string_view meaning;  // one line, for messages
  bool fatal = false;        // the GPU cannot be trusted until remediated
  RecommendedAction action = RecommendedAction::kUnknown;
  std::string_view check;               // condition type it maps to, see check_types.h
  bool implicates_application = false;  // usually the workload's fault, not the hardware's
  bool known = true;                    // false: not in the catalog, defaults used
};

class XidCatalog {
 public:
  // NVIDIA's documented XIDs that matter for fault management.
  static XidCatalog Default();

  // A catalog of `entries`; kInvalidArgument on a repeated code or an entry
  // without a check. The views in `entries` must outlive the catalog.
  static absl::StatusOr<XidCatalog> Create(std::vector<XidInfo> entries);

  // The entry for `code`. A code not in the catalog gets a non-fatal entry
  // with action UNKNOWN, check SysLogsXIDError and known = false.
  XidInfo Lookup(uint32_t code) const;

  // Every entry, ordered by code. Not on a temporary catalog: the vector
  // would dangle.
  const std::vector<XidInfo>& entries() const& { return entries_; }
  const std::vector<XidInfo>& entries() const&& = delete;

 private:
  explicit XidCatalog(std::vector<XidInfo> sorted) : entries_(std::move(sorted)) {}

  std::vector<XidInfo> entries_;
};

}  // namespace nvsx::health
