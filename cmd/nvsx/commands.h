#pragma once

// The nvsx commands. Each is a function the shell can call too, returning the
// command's exit code, and an Add*Command that registers it with CLI11.

#include <cstdio>
#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "nvsx/cli_context.h"
#include "nvsx/run_renderer.h"

namespace nvsx::cmd {

// nvsx list: the runbooks, as a table or (plain) one JSON object per line.
int ListRunbooks(NvsxContext& context, bool plain, std::FILE* out);
// nvsx show SLUG: a runbook's stages, watch clauses, hooks and narration.
int ShowRunbook(NvsxContext& context, const std::string& slug, std::FILE* out);

struct RunFlags {
  std::string target_node;  // empty: auto-detect
  std::string trigger = "manual";
  bool dry_run = false;
  bool drill = false;
  bool plain = false;  // JSON lines even on a terminal
  std::string run_id;  // empty: a new one
  // Sees every event too (the demo injects its fault when detect starts).
  op::RunRenderer* observer = nullptr;
  // Runs before nvsx exits at a second Ctrl-C, without postmortem (the demo
  // kills the programs it started).
  std::function<void()> on_abandon;
};
// nvsx run SLUG: runs a runbook against the cluster.
int RunRunbook(NvsxContext& context, const std::string& slug, const RunFlags& flags);

// nvsx history: recorded runs, newest first.
int PrintHistory(NvsxContext& context, bool plain, int limit, std::FILE* out);

std::function<int()> AddListCommand(CLI::App& app, NvsxContext& context);
std::function<int()> AddShowCommand(CLI::App& app, NvsxContext& context);
std::function<int()> AddRunCommand(CLI::App& app, NvsxContext& context);
std::function<int()> AddHistoryCommand(CLI::App& app, NvsxContext& context);
std::function<int()> AddReportCommand(CLI::App& app, NvsxContext& context);
std::function<int()> AddInitCommand(CLI::App& app, NvsxContext& context);
std::function<int()> AddDoctorCommand(CLI::App& app, NvsxContext& context);
std::function<int()> AddDemoCommand(CLI::App& app, NvsxContext& context);
std::function<int()> AddSetupCommand(CLI::App& app, NvsxContext& context);
std::function<int()> AddConvertCommand(CLI::App& app, NvsxContext& context);
std::function<int()> AddServeCommand(CLI::App& app, NvsxContext& context);

// The interactive shell (`nvsx` with no arguments).
int RunShell(NvsxContext& context);

}  // namespace nvsx::cmd
