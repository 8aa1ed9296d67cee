#pragma once

// Parses the path of an API request (/api/v1/namespaces/NS/pods/NAME/status,
// /apis/GROUP/VERSION/RESOURCE, ...) into its parts. Query strings are not
// part of the path.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace nvsx::sim {

struct RequestPath {
  std::string group;  // "" for /api/v1
  std::string version;
  std::string namespace_name;  // "" unless the path is under /namespaces/NS/
  std::string resource;        // "" for a group version's discovery document
  std::string name;
  std::string subresource;
};

// NotFound-worthy paths (not /api or /apis, too many segments) are errors.
absl::StatusOr<RequestPath> ParseRequestPath(std::string_view path);

}  // namespace nvsx::sim
