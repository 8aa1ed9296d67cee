#pragma once

#include <string_view>

namespace nvsx::kube {

// The names Kubernetes accepts. Most objects (nodes, pods) are named by an
// RFC 1123 subdomain; namespaces, containers and label-free names such as a
// runbook's slug by one RFC 1123 label.

// [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
bool IsDnsLabel(std::string_view text);

// Labels joined by '.', at most 253 characters.
bool IsDnsSubdomain(std::string_view text);

}  // namespace nvsx::kube
