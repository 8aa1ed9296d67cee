#include "sim/audit_log.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "core/str_cat.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

std::string RbacVerb(const std::string& method, bool names_an_object, bool watch) {
  if (method == "GET") return names_an_object ? "get" : (watch ? "watch" : "list");
  if (method == "POST") return "create";
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return names_an_object ? "delete" : "deletecollection";
  return absl::AsciiStrToLower(method);
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return absl::FailedPreconditionError(
        core::StrCat("--audit-log ", path.string(), ": ", std::strerror(errno)));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(file));
}

AuditLog::~AuditLog() { std::fclose(file_); }

void AuditLog::Record(const AuditRecord& record) {
  const std::string line = nlohmann::json{{"userAgent", record.user_agent},
                                          {"verb", record.verb},
                                          {"group", record.group},
                                          {"resource", record.resource},
                                          {"subresource", record.subresource},
                                          {"namespace", record.namespace_name},
                                          {"code", record.code}}
                               .dump() +
                           "\n";
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace nvsx::sim
