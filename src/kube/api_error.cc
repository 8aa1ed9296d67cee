#include "kube/api_error.h"

#include <charconv>

#include "absl/strings/cord.h"
#include "core/str_cat.h"

namespace nvsx::kube {
namespace {

constexpr char kPayloadUrl[] = "type.nvsx.dev/nvsx.kube.ApiError";
constexpr char kConnectionError[] = "ConnectionError";

// The reason client-go infers from a bare HTTP code.
std::string ReasonForCode(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 406:
      return "NotAcceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "RequestEntityTooLarge";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return code >= 500 ? "InternalError" : "Unknown";
  }
}

absl::StatusCode CodeFor(const ApiError& error) {
  const std::string& r = error.reason;
  if (r == "NotFound") return absl::StatusCode::kNotFound;
  if (r == "AlreadyExists") return absl::StatusCode::kAlreadyExists;
  if (r == "Conflict") return absl::StatusCode::kAborted;
  if (r == "Gone" || r == "Expired") return absl::StatusCode::kOutOfRange;
  if (r == "Invalid" || r == "BadRequest") return absl::StatusCode::kInvalidArgument;
  if (r == "TooManyRequests") return absl::StatusCode::kResourceExhausted;
  if (r == "Forbidden") return absl::StatusCode::kPermissionDenied;
  if (r == "Unauthorized") return absl::StatusCode::kUnauthenticated;
  if (r == "Timeout" || r == "ServerTimeout") return absl::StatusCode::kDeadlineExceeded;
  if (r == kConnectionError || r == "ServiceUnavailable") return absl::StatusCode::kUnavailable;
  if (error.http_code >= 500) return absl::StatusCode::kInternal;
  return absl::StatusCode::kUnknown;
}

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<absl::Duration> ParseSeconds(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || seconds < 0) {
    return std::nullopt;  // HTTP dates are not used by the API server
  }
  return absl::Seconds(seconds);
}

}  // namespace

absl::Status ApiError::ToStatus() const {
  std::string text = http_code > 0 ? core::StrCat(reason, " (HTTP ", http_code, "): ", message)
                                   : core::StrCat(reason, ": ", message);
  absl::Status status(CodeFor(*this), text);
  nlohmann::json payload = {{"code", http_code}, {"reason", reason}, {"message", message}};
  if (retry_after) payload["retryAfterMs"] = absl::ToInt64Milliseconds(*retry_after);
  if (!details.is_null()) payload["details"] = details;
  status.SetPayload(kPayloadUrl, absl::Cord(payload.dump()));
  return status;
}

ApiError DecodeApiError(int http_code, std::string_view body, std::string_view retry_after_header) {
  ApiError error;
  error.http_code = http_code;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object() && StringField(doc, "kind") == "Status") {
    error.reason = StringField(doc, "reason");
    error.message = StringField(doc, "message");
    if (auto details = doc.find("details"); details != doc.end() && details->is_object()) {
      error.details = *details;
      auto seconds = details->find("retryAfterSeconds");
      if (seconds != details->end() && seconds->is_number_integer() &&
          seconds->get<int64_t>() > 0) {
        error.retry_after = absl::Seconds(seconds->get<int64_t>());
      }
    }
  } else {
    // Not a Status (a proxy's page, say): keep a bounded excerpt as the message.
    error.message = std::string(body.substr(0, 512));
  }
  if (error.reason.empty() || (error.reason == "Unknown" && http_code != 0)) {
    error.reason = ReasonForCode(http_code);
  }
  if (error.message.empty()) error.message = core::StrCat("the server returned HTTP ", http_code);
  if (auto header = ParseSeconds(retry_after_header)) error.retry_after = header;
  return error;
}

absl::Status ConnectionError(std::string_view message) {
  ApiError error;
  error.reason = std::string(kConnectionError);
  error.message = std::string(message);
  return error.ToStatus();
}

std::optional<ApiError> GetApiError(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload) return std::nullopt;
  nlohmann::json doc =
      nlohmann::json::parse(std::string(*payload), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  ApiError error;
  error.http_code = doc.value("code", 0);
  error.reason = doc.value("reason", "");
  error.message = doc.value("message", "");
  if (doc.contains("retryAfterMs")) {
    error.retry_after = absl::Milliseconds(doc["retryAfterMs"].get<int64_t>());
  }
  if (doc.contains("details")) error.details = doc["details"];
  return error;
}

namespace apierrors {
namespace {
bool HasReason(const absl::Status& status, std::string_view reason, int code) {
  auto error = GetApiError(status);
  if (!error) return false;
  return error->reason == reason || (error->http_code == code && code != 0);
}
}  // namespace

bool IsNotFound(const absl::Status& s) { return HasReason(s, "NotFound", 404); }
bool IsAlreadyExists(const absl::Status& s) { return HasReason(s, "AlreadyExists", 0); }
bool IsConflict(const absl::Status& s) {
  auto error = GetApiError(s);
  return error && (error->reason == "Conflict" ||
                   (error->http_code == 409 && error->reason != "AlreadyExists"));
}
bool IsGone(const absl::Status& s) {
  return HasReason(s, "Gone", 410) || HasReason(s, "Expired", 0);
}
bool IsInvalid(const absl::Status& s) { return HasReason(s, "Invalid", 422); }
bool IsTooManyRequests(const absl::Status& s) { return HasReason(s, "TooManyRequests", 429); }
bool IsForbidden(const absl::Status& s) { return HasReason(s, "Forbidden", 403); }
bool IsUnauthorized(const absl::Status& s) { return HasReason(s, "Unauthorized", 401); }
bool IsServerError(const absl::Status& s) {
  auto error = GetApiError(s);
  return error && error->http_code >= 500;
}
bool IsConnectionError(const absl::Status& s) { return HasReason(s, kConnectionError, 0); }

std::optional<absl::Duration> RetryAfter(const absl::Status& status) {
  auto error = GetApiError(status);
  if (!error) return std::nullopt;
  return error->retry_after;
}

}  // namespace apierrors

}  // namespace nvsx::kube
