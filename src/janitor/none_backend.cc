#include "janitor/none_backend.h"

#include "core/str_cat.h"

namespace nvsx::janitor {

absl::Status NoneBackend::RebootNode(const std::string& node, bool /*force*/) {
  return absl::FailedPreconditionError(
      core::StrCat("backend none does not reboot nodes (", node, "); NVSentinel's janitor does"));
}

absl::Status NoneBackend::ResetGpus(const std::string& node, const std::vector<std::string>&) {
  return absl::FailedPreconditionError(
      core::StrCat("backend none does not reset GPUs (", node, "); NVSentinel's janitor does"));
}

}  // namespace nvsx::janitor
