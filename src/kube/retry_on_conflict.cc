#include "kube/retry_on_conflict.h"

#include <algorithm>

#include "kube/api_error.h"

namespace nvsx::kube {

absl::Status RetryOnConflict(const ConflictRetry& retry, core::WaitableClock* clock,
                             const std::function<absl::Status()>& read_modify_write) {
  absl::Status status;
  for (int attempt = 0; attempt < std::max(1, retry.attempts); ++attempt) {
    if (attempt > 0) clock->SleepFor(retry.backoff.Delay(attempt - 1, retry.random));
    status = read_modify_write();
    if (!apierrors::IsConflict(status)) return status;
  }
  return status;
}

}  // namespace nvsx::kube
