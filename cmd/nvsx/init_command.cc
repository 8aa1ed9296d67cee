// nvsx init SLUG: a new runbook with its hook folder and three hook stubs.
#include <memory>
#include <regex>
#include <system_error>

#include "common/program.h"
#include "core/file_io.h"
#include "core/str_cat.h"
#include "nvsx/commands.h"
#include "nvsx/node_alias.h"

namespace nvsx::cmd {
namespace {

namespace fs = std::filesystem;

constexpr char kProgram[] = "nvsx init";

std::string RunbookYaml(const std::string& slug) {
  return core::StrCat(R"x(apiVersion: nvsx/v1
kind: Runbook
metadata:
  name: )x",
                      slug, R"x(
  nickname: )x",
                      op::NodeAlias(slug), R"x(
  title: ")x",
                      slug, R"x("
  summary: "What fault this answers, and what your team does around it."
  tags: [custom]
  estimatedDuration: 5m

# The controllers cordon, drain, remediate and recover; this runbook watches
# them work and runs your team's hooks at each stage.
stages:
  - id: preflight
    title: "Incident acknowledged"
    hook: hooks/)x",
                      slug, R"x(/preflight.sh
    timeout: 30s
  - id: detect
    title: "Fault detected"
    watch:
      - kind: healthevent
        phase: New
    timeout: 5m
  - id: quarantine
    title: "Node quarantined"
    watch:
      - kind: healthevent
        phase: Quarantined
    timeout: 2m
  - id: drain
    title: "Workloads evicted"
    watch:
      - kind: healthevent
        phase: Drained
    timeout: 10m
  - id: remediate
    title: "Remediation requested"
    watch:
      - kind: healthevent
        phase: Remediated
    hook: hooks/)x",
                      slug, R"x(/on-remediate.sh
    timeout: 15m
  - id: recover
    title: "Node back in service"
    watch:
      - kind: healthevent
        phase: Resolved
    hook: hooks/)x",
                      slug, R"x(/on-recover.sh
    timeout: 15m
  - id: postmortem
    title: "Postmortem"

narration:
  detect: "Watching {{alias}} ({{targetNode}}) for its HealthEvent."
  recover: "{{alias}} is back after {{elapsed}}."
)x");
}

std::string HookStub(const std::string& slug, const std::string& stage, const std::string& when) {
  return core::StrCat(R"x(#!/usr/bin/env bash
# )x",
                      slug, ": runs ", when, R"x(.
# nvsx sets NVSX_STAGE, NVSX_RUNBOOK, NVSX_TARGET_NODE, NVSX_ALIAS, NVSX_RUN_ID,
# NVSX_ELAPSED_MS and NVSX_PROJECT_ROOT; a non-zero exit fails the stage.
set -euo pipefail

echo "${NVSX_RUNBOOK}: )x",
                      stage, R"x( on ${NVSX_TARGET_NODE} (${NVSX_ALIAS})"

# Your team's step goes here, e.g. a Slack message when SLACK_WEBHOOK_URL is set:
if [[ -n "${SLACK_WEBHOOK_URL:-}" ]]; then
  curl -fsS -X POST "${SLACK_WEBHOOK_URL}" -H 'Content-type: application/json' \
    -d "{\"text\":\"${NVSX_RUNBOOK} )x",
                      stage, R"x(: ${NVSX_TARGET_NODE}\"}"
fi
)x");
}

int InitRunbook(NvsxContext& context, const std::string& slug) {
  static const std::regex kSlug("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  if (!std::regex_match(slug, kSlug)) {
    return ReportError(kProgram, absl::InvalidArgumentError(core::StrCat(
                                     "\"", slug,
                                     "\": a runbook name is lower-case letters, digits and '-', "
                                     "starting and ending with a letter or digit, e.g. xid-48")));
  }
  std::error_code error;
  fs::path dir = fs::current_path(error) / "runbooks";
  if (absl::StatusOr<op::RunbookLocation> location = context.Runbooks();
      location.ok() && location->origin != "installed") {
    dir = location->runbooks_dir;
  }
  const fs::path yaml = dir / core::StrCat(slug, ".yaml");
  const fs::path hooks = dir / "hooks" / slug;
  if (fs::exists(yaml, error) || fs::exists(hooks, error)) {
    return ReportError(kProgram, absl::InvalidArgumentError(core::StrCat(
                                     yaml.string(), " or ", hooks.string(),
                                     " already exists; pick another name or remove them")));
  }
  fs::create_directories(hooks, error);
  if (error) {
    return ReportError(kProgram, absl::FailedPreconditionError(
                                     core::StrCat(hooks.string(), ": ", error.message())));
  }
  const std::vector<std::tuple<std::string, std::string, std::string>> stubs = {
      {"preflight.sh", "preflight", "when the run starts (acknowledge the incident)"},
      {"on-remediate.sh", "remediate", "once the remediation is requested"},
      {"on-recover.sh", "recover", "once the node is back in service"},
  };
  for (const auto& [file, stage, when] : stubs) {
    const fs::path path = hooks / file;
    if (absl::Status written = core::WriteFileAtomically(path, HookStub(slug, stage, when));
        !written.ok()) {
      return ReportError(kProgram, written);
    }
    fs::permissions(path,
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec,
                    error);
  }
  if (absl::Status written = core::WriteFileAtomically(yaml, RunbookYaml(slug)); !written.ok()) {
    return ReportError(kProgram, written);
  }
  std::printf(
      "created %s\n        %s/{preflight,on-remediate,on-recover}.sh\n"
      "next: edit them, then `nvsx show %s` and `nvsx run %s --dry-run`\n",
      yaml.string().c_str(), hooks.string().c_str(), slug.c_str(), slug.c_str());
  return kExitOk;
}

}  // namespace

std::function<int()> AddInitCommand(CLI::App& app, NvsxContext& context) {
  auto slug = std::make_shared<std::string>();
  CLI::App* command =
      app.add_subcommand("init", "Scaffold a runbook: YAML, hook folder and three hook stubs");
  command->add_option("slug", *slug, "The new runbook's name, e.g. xid-48")->required();
  return [command, slug, &context] { return *command ? InitRunbook(context, *slug) : -1; };
}

}  // namespace nvsx::cmd
