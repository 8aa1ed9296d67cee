#pragma once

#include <functional>

#include "CLI/CLI.hpp"
#include "core/environment.h"

namespace nvsx::cmd {

// Registers `nvsentinel janitor` on `app`; the returned function runs it
// after parsing (-1 when another subcommand was chosen).
std::function<int()> AddJanitorCommand(CLI::App& app, const core::Environment& env);

}  // namespace nvsx::cmd
