#pragma once

#include <functional>

#include "CLI/CLI.hpp"
#include "core/environment.h"

namespace nvsx::cmd {

// Registers `nvsentinel device-api` on `app`; the returned function runs it
// after parsing and returns the exit code.
std::function<int()> AddDeviceApiCommand(CLI::App& app, const core::Environment& env);

}  // namespace nvsx::cmd
