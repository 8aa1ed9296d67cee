#pragma once

// Kubernetes API errors as absl::Status values. Each error carries the full
// `Status` object (kind Status, apiVersion v1) the API server sends, so the
// HTTP layer can answer with exactly the code, reason and details a real
// server would.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

// A Kubernetes error: `code` is the HTTP status, `reason` the StatusReason
// ("NotFound", "Conflict", ...), `details` the optional StatusDetails object.
absl::Status ApiError(int code, std::string_view reason, std::string_view message,
                      nlohmann::json details = nullptr);

// The `Status` JSON for any status: the embedded one when `status` came from
// ApiError, otherwise one mapped from the absl code (500 InternalError for
// codes without a Kubernetes equivalent). OK maps to a Success status.
nlohmann::json ToKubeStatus(const absl::Status& status);

// The HTTP code ToKubeStatus(status) carries.
int HttpCodeOf(const absl::Status& status);

// The StatusReason ToKubeStatus(status) carries ("" for OK).
std::string ReasonOf(const absl::Status& status);

// Qualified resource names as the real server writes them in messages:
// "nodes", "healthevents.nvsentinel.nvidia.com".
std::string QualifiedResource(std::string_view group, std::string_view resource);

// The common errors, worded like the real API server.
absl::Status NotFound(std::string_view group, std::string_view resource, std::string_view name);
absl::Status AlreadyExists(std::string_view group, std::string_view resource,
                           std::string_view name);
absl::Status Conflict(std::string_view group, std::string_view resource, std::string_view name,
                      std::string_view why);
absl::Status BadRequest(std::string_view message);
absl::Status Gone(std::string_view message);
absl::Status MethodNotSupported(std::string_view resource, std::string_view action);
absl::Status UnsupportedMediaType(std::string_view content_type);

// One bad field of an Invalid (422) error.
struct FieldCause {
  std::string type;   // "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported", ...
  std::string field;  // "metadata.name", "spec.xid"
  std::string message;
};

// 422 Invalid: `Kind "name" is invalid: [field: message, ...]` with one cause per field.
absl::Status Invalid(std::string_view group, std::string_view kind, std::string_view name,
                     const std::vector<FieldCause>& causes);

}  // namespace nvsx::sim
