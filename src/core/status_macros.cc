#include "core/status_macros.h"

#include "core/str_cat.h"

namespace nvsx::core {

absl::Status Annotate(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), StrCat(context, ": ", status.message()));
}

}  // namespace nvsx::core
