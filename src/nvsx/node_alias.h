#pragma once

#include <string>
#include <string_view>

namespace nvsx::op {

// A stable, speakable name for a node: "brave-otter". The first four bytes of
// SHA-256(node name) pick one of 64 adjectives and the next four one of 64
// animals (big-endian, modulo 64), so the same node always gets the same alias
// on every machine. An empty name maps to "unknown-node".
std::string NodeAlias(std::string_view node_name);

// "brave-otter (gpu-node-7)": how nvsx shows a node everywhere.
std::string NodeWithAlias(std::string_view node_name);

}  // namespace nvsx::op
