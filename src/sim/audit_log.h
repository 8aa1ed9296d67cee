#pragma once

// What each client did, as RBAC sees it: one JSON line per resource request
// (User-Agent, verb, group, resource, subresource, namespace, HTTP code), so
// a test can check that every program's Role grants what the program does.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"

namespace nvsx::sim {

struct AuditRecord {
  std::string user_agent;
  std::string verb;  // get, list, watch, create, update, patch, delete, deletecollection
  std::string group;
  std::string resource;
  std::string subresource;
  std::string namespace_name;
  int code = 0;
};

// The RBAC verb of an HTTP request on a resource path.
std::string RbacVerb(const std::string& method, bool names_an_object, bool watch);

class AuditLog {
 public:
  // Appends to `path` (created when missing).
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::filesystem::path& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Thread-safe; each record is one flushed line.
  void Record(const AuditRecord& record);

 private:
  explicit AuditLog(std::FILE* file) : file_(file) {}

  std::mutex mu_;
  std::FILE* const file_;
};

}  // namespace nvsx::sim
