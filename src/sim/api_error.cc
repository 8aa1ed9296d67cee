#include "sim/api_error.h"

#include <optional>

#include "absl/strings/cord.h"
#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

constexpr char kPayloadUrl[] = "type.nvsx.dev/k8s.io.apimachinery.pkg.apis.meta.v1.Status";

absl::StatusCode CodeFor(int http_code, std::string_view reason) {
  switch (http_code) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 405:
      return absl::StatusCode::kUnimplemented;
    case 409:
      return reason == "AlreadyExists" ? absl::StatusCode::kAlreadyExists
                                       : absl::StatusCode::kAborted;
    case 410:
      return absl::StatusCode::kOutOfRange;
    case 413:
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 415:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    case 503:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kInternal;
  }
}

struct Mapped {
  int code;
  const char* reason;
};

Mapped MapAbslCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return {200, ""};
    case absl::StatusCode::kInvalidArgument:
      return {400, "BadRequest"};
    case absl::StatusCode::kNotFound:
      return {404, "NotFound"};
    case absl::StatusCode::kAlreadyExists:
      return {409, "AlreadyExists"};
    case absl::StatusCode::kAborted:
      return {409, "Conflict"};
    case absl::StatusCode::kPermissionDenied:
      return {403, "Forbidden"};
    case absl::StatusCode::kUnauthenticated:
      return {401, "Unauthorized"};
    case absl::StatusCode::kResourceExhausted:
      return {429, "TooManyRequests"};
    case absl::StatusCode::kOutOfRange:
      return {410, "Expired"};
    case absl::StatusCode::kUnimplemented:
      return {405, "MethodNotAllowed"};
    case absl::StatusCode::kDeadlineExceeded:
      return {504, "Timeout"};
    case absl::StatusCode::kUnavailable:
      return {503, "ServiceUnavailable"};
    default:
      return {500, "InternalError"};
  }
}

std::optional<nlohmann::json> Embedded(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  nlohmann::json parsed = nlohmann::json::parse(std::string(*payload), nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

}  // namespace

absl::Status ApiError(int code, std::string_view reason, std::string_view message,
                      nlohmann::json details) {
  nlohmann::json body = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason},
      {"code", code}};
  if (!details.is_null()) body["details"] = std::move(details);
  absl::Status status(CodeFor(code, reason), std::string(message));
  status.SetPayload(kPayloadUrl, absl::Cord(body.dump()));
  return status;
}

nlohmann::json ToKubeStatus(const absl::Status& status) {
  if (std::optional<nlohmann::json> embedded = Embedded(status)) return *embedded;
  if (status.ok()) {
    return {{"kind", "Status"},
            {"apiVersion", "v1"},
            {"metadata", nlohmann::json::object()},
            {"status", "Success"},
            {"code", 200}};
  }
  Mapped mapped = MapAbslCode(status.code());
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", nlohmann::json::object()},
          {"status", "Failure"},
          {"message", std::string(status.message())},
          {"reason", mapped.reason},
          {"code", mapped.code}};
}

int HttpCodeOf(const absl::Status& status) { return ToKubeStatus(status).value("code", 500); }

std::string ReasonOf(const absl::Status& status) {
  return ToKubeStatus(status).value("reason", "");
}

std::string QualifiedResource(std::string_view group, std::string_view resource) {
  if (group.empty()) return std::string(resource);
  return core::StrCat(resource, ".", group);
}

namespace {
nlohmann::json Details(std::string_view group, std::string_view resource, std::string_view name) {
  nlohmann::json details = {{"name", name}, {"kind", resource}};
  if (!group.empty()) details["group"] = group;
  return details;
}
}  // namespace

absl::Status NotFound(std::string_view group, std::string_view resource, std::string_view name) {
  return ApiError(404, "NotFound",
                  core::StrCat(QualifiedResource(group, resource), " \"", name, "\" not found"),
                  Details(group, resource, name));
}

absl::Status AlreadyExists(std::string_view group, std::string_view resource,
                           std::string_view name) {
  return ApiError(
      409, "AlreadyExists",
      core::StrCat(QualifiedResource(group, resource), " \"", name, "\" already exists"),
      Details(group, resource, name));
}

absl::Status Conflict(std::string_view group, std::string_view resource, std::string_view name,
                      std::string_view why) {
  return ApiError(409, "Conflict",
                  core::StrCat("Operation cannot be fulfilled on ",
                               QualifiedResource(group, resource), " \"", name, "\": ", why),
                  Details(group, resource, name));
}

absl::Status BadRequest(std::string_view message) { return ApiError(400, "BadRequest", message); }

absl::Status Gone(std::string_view message) { return ApiError(410, "Expired", message); }

absl::Status MethodNotSupported(std::string_view resource, std::string_view action) {
  return ApiError(
      405, "MethodNotAllowed",
      core::StrCat(action, " is not supported on resources of kind \"", resource, "\""));
}

absl::Status UnsupportedMediaType(std::string_view content_type) {
  return ApiError(415, "UnsupportedMediaType",
                  core::StrCat("the body of the request was in an unknown format - accepted "
                               "media types include: application/json, "
                               "application/json-patch+json, application/merge-patch+json, "
                               "application/strategic-merge-patch+json (got \"",
                               content_type, "\")"));
}

absl::Status Invalid(std::string_view group, std::string_view kind, std::string_view name,
                     const std::vector<FieldCause>& causes) {
  nlohmann::json details = {{"name", name}, {"kind", kind}, {"causes", nlohmann::json::array()}};
  if (!group.empty()) details["group"] = group;
  std::string list;
  for (const FieldCause& cause : causes) {
    details["causes"].push_back(
        {{"reason", cause.type}, {"message", cause.message}, {"field", cause.field}});
    if (!list.empty()) list += ", ";
    core::StrAppend(&list, cause.field, ": ", cause.message);
  }
  std::string qualified = group.empty() ? std::string(kind) : core::StrCat(kind, ".", group);
  std::string message = causes.size() == 1
                            ? core::StrCat(qualified, " \"", name, "\" is invalid: ", list)
                            : core::StrCat(qualified, " \"", name, "\" is invalid: [", list, "]");
  return ApiError(422, "Invalid", message, std::move(details));
}

}  // namespace nvsx::sim
