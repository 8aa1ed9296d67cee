#pragma once

#include <string>
#include <string_view>

#include "nvsx/convert/conversion.h"

namespace nvsx::convert {

// The rule-based converter (no network): every command of the Markdown that
// CommandRules() knows is placed: cluster actions as watch clauses in their
// stage, notification calls verbatim in the hook of the stage their section
// is about (else the stage of the last cluster action before them, else
// preflight). A detect stage always waits for the node's HealthEvent (with
// the XID when the text names exactly one). Other commands are listed as
// unplaced with their line. Deterministic: the same Markdown gives the same
// bytes. `source_name` ("xid-79.md") is quoted in the hooks.
Conversion ConvertOffline(std::string_view markdown, const std::string& slug,
                          const std::string& source_name);

}  // namespace nvsx::convert
