#pragma once

#include <functional>

#include "CLI/CLI.hpp"
#include "core/environment.h"

namespace nvsx::cmd {

// Registers `nvsentinel sim inject` under the `sim` subcommand; the returned
// function runs it after parsing (-1 when it was not chosen).
std::function<int()> AddSimInjectCommand(CLI::App& sim, const core::Environment& env);

}  // namespace nvsx::cmd
