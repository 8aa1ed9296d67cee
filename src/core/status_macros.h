#pragma once

// Early-return helpers for absl::Status / absl::StatusOr, the error type every
// module boundary uses (the same one gRPC uses).

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define NVSX_STATUS_CONCAT_INNER_(a, b) a##b
#define NVSX_STATUS_CONCAT_(a, b) NVSX_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define NVSX_RETURN_IF_ERROR(expr)                                             \
  do {                                                                         \
    if (absl::Status nvsx_status_ = (expr); !nvsx_status_.ok()) [[unlikely]] { \
      return nvsx_status_;                                                     \
    }                                                                          \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, else
// moves the value into `lhs`, which may be a declaration (`auto x`).
#define NVSX_ASSIGN_OR_RETURN(lhs, rexpr) \
  NVSX_ASSIGN_OR_RETURN_IMPL_(NVSX_STATUS_CONCAT_(nvsx_statusor_, __LINE__), lhs, rexpr)

#define NVSX_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                \
  if (!statusor.ok()) [[unlikely]] {                      \
    return std::move(statusor).status();                  \
  }                                                       \
  lhs = *std::move(statusor)

namespace nvsx::core {

// Returns `status` with `context` prefixed to its message ("context: message"),
// keeping its code. OK stays OK.
absl::Status Annotate(const absl::Status& status, std::string_view context);

}  // namespace nvsx::core
