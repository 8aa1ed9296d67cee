#pragma once

// Small readings of shell command lines, for keeping a runbook's commands
// verbatim while making them runnable as hooks.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nvsx::convert {

struct Assignment {
  std::string name;
  std::string value;  // as written, quotes included
};

// `NAME=value` or `export NAME=value` alone on the line; nullopt otherwise.
std::optional<Assignment> ParseAssignment(std::string_view command);

// The variables `text` expands ($NAME, ${NAME}, ${NAME:-x}), each once, in order.
std::vector<std::string> ReferencedVariables(std::string_view text);

// Whether a runbook's variable means the node being handled (NODE, NODE_NAME,
// HOST, ...), which in a hook is NVSX_TARGET_NODE.
bool IsNodeVariable(std::string_view name);

// Markdown placeholders such as <node-name> or <ticket-id> made shell
// variables: NVSX_TARGET_NODE for a node, else TICKET_ID (from the
// environment), quoted to fit where they stand: "${X}" outside quotes, ${X}
// inside double quotes, '"${X}"' inside single quotes.
std::string ReplacePlaceholders(std::string_view command);

}  // namespace nvsx::convert
