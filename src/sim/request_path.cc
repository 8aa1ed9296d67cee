#include "sim/request_path.h"

#include <vector>

#include "absl/status/status.h"
#include "core/str_cat.h"

namespace nvsx::sim {

absl::StatusOr<RequestPath> ParseRequestPath(std::string_view path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) segments.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  auto not_found = [&] {
    return absl::NotFoundError(
        core::StrCat("the server could not find the requested resource (", path, ")"));
  };
  RequestPath parsed;
  size_t next = 0;
  if (segments.size() >= 2 && segments[0] == "api") {
    parsed.version = segments[1];
    next = 2;
  } else if (segments.size() >= 3 && segments[0] == "apis") {
    parsed.group = segments[1];
    parsed.version = segments[2];
    next = 3;
  } else {
    return not_found();
  }
  std::vector<std::string> rest(segments.begin() + static_cast<std::ptrdiff_t>(next),
                                segments.end());
  if (rest.size() >= 3 && rest[0] == "namespaces" && rest[2] != "status" && rest[2] != "finalize") {
    parsed.namespace_name = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.size() > 3) return not_found();
  if (rest.size() > 0) parsed.resource = rest[0];
  if (rest.size() > 1) parsed.name = rest[1];
  if (rest.size() > 2) parsed.subresource = rest[2];
  return parsed;
}

}  // namespace nvsx::sim
