#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

// A failed API call, decoded from the server's metav1.Status body and HTTP
// code (or made up for a connection that failed). It travels inside an
// absl::Status as a payload; GetApiError reads it back.
struct ApiError {
  int http_code = 0;    // 0 for connection errors
  std::string reason;   // metav1.StatusReason: "NotFound", "Conflict", ...; "ConnectionError"
  std::string message;  // the server's message
  // From the Retry-After header or details.retryAfterSeconds, when given.
  std::optional<absl::Duration> retry_after;
  nlohmann::json details;  // the Status's details, when present

  // The absl::Status carrying this error, with a code that matches the
  // reason (NotFound -> kNotFound, Conflict -> kAborted, Invalid ->
  // kInvalidArgument, TooManyRequests -> kResourceExhausted, ...).
  absl::Status ToStatus() const;
};

// Decodes an unsuccessful response. `body` is usually a metav1.Status; when it
// is not, the reason follows from the code, as in client-go.
// `retry_after_header` is the Retry-After header value ("" when absent).
ApiError DecodeApiError(int http_code, std::string_view body, std::string_view retry_after_header);

// A request that never got an HTTP answer (refused, reset, timed out).
absl::Status ConnectionError(std::string_view message);

// The ApiError inside `status`, if it carries one.
std::optional<ApiError> GetApiError(const absl::Status& status);

// The predicates live in their own namespace, to be called qualified
// (apierrors::IsNotFound(status), as in client-go): absl has functions of the
// same names that argument-dependent lookup would otherwise find too.
namespace apierrors {

bool IsNotFound(const absl::Status& status);
bool IsConflict(const absl::Status& status);
bool IsAlreadyExists(const absl::Status& status);
bool IsGone(const absl::Status& status);  // 410: resourceVersion too old / continue expired
bool IsInvalid(const absl::Status& status);
bool IsTooManyRequests(const absl::Status& status);
bool IsForbidden(const absl::Status& status);
bool IsUnauthorized(const absl::Status& status);
bool IsServerError(const absl::Status& status);  // any 5xx
bool IsConnectionError(const absl::Status& status);

// The delay the server asked for (429/503 Retry-After), if any.
std::optional<absl::Duration> RetryAfter(const absl::Status& status);

}  // namespace apierrors

}  // namespace nvsx::kube
