#pragma once

#include <string>
#include <string_view>

namespace nvsx::serve {

// What a webhook may name. Both checks are strict on purpose: the values reach
// file lookups (the runbook) and hooks' environments (the node).

// A runbook's slug as `nvsx init` makes them: lower-case letters, digits and
// '-', 1 to 63 characters; so never a path.
bool IsRunbookSlug(std::string_view text);

// A Kubernetes node name: an RFC 1123 subdomain (lower-case letters, digits,
// '-' and '.', labels starting and ending alphanumeric, at most 253 characters).
bool IsNodeName(std::string_view text);

// A trigger's source label ("pagerduty", "alertmanager", "ops-script"):
// letters, digits, '.', '_' and '-', 1 to 63 characters.
bool IsSourceLabel(std::string_view text);

// `text` quoted for an error message, with anything outside printable ASCII
// escaped and long values cut, so a hostile value cannot garble the reply or a log.
std::string QuoteForMessage(std::string_view text);

}  // namespace nvsx::serve
