#include "nvsx/convert/command_rules.h"

#include <regex>

namespace nvsx::convert {
namespace {

constexpr std::string_view kJanitorGroup = "janitor.dgxc.nvidia.com";

// A command word where a command starts: line start, after ; && || |, sudo or ssh HOST.
#define NVSX_COMMAND_START R"((?:^|[;&|(]\s*|\bsudo\s+|\bssh\s+\S+\s+['"]?))"

const std::vector<CommandRule>& Rules() {
  static const std::vector<CommandRule> kRules = {
      {"Slack", R"(hooks\.slack\.com|slack\.com/api/)", Placement::kHook, "", std::nullopt,
       "a Slack message: kept verbatim in a hook"},
      {"PagerDuty", R"(events\.pagerduty\.com|api\.pagerduty\.com)", Placement::kHook, "",
       std::nullopt, "a PagerDuty call: kept verbatim in a hook"},
      {"Jira", R"(atlassian\.net|/rest/api/[0-9]+/issue|\bjira\b)", Placement::kHook, "",
       std::nullopt, "a Jira call: kept verbatim in a hook"},
      {"MTTR", R"(mttr)", Placement::kHook, "", std::nullopt,
       "an MTTR record: kept verbatim in a hook"},
      {"kubectl uncordon", R"(\bkubectl\b.*\buncordon\b)", Placement::kWatch, "recover",
       WatchTemplate{"node", {{"field", "spec.unschedulable"}, {"expect", "false"}}},
       "NVSentinel uncordons the node once it is healthy: the recover stage watches for it"},
      {"kubectl taint (removal)", R"(\bkubectl\b.*\btaint\b.*\S-\s*$)", Placement::kWatch,
       "recover", WatchTemplate{"healthevent", {{"phase", "Resolved"}}},
       "NVSentinel lifts its taint on recovery: the recover stage watches the HealthEvent"},
      {"kubectl cordon", R"(\bkubectl\b.*\bcordon\b)", Placement::kWatch, "quarantine",
       WatchTemplate{"node", {{"field", "spec.unschedulable"}, {"expect", "true"}}},
       "NVSentinel cordons the node: the quarantine stage watches for it"},
      {"kubectl taint",
       R"(\bkubectl\b.*\btaint\b\s+(?:nodes?|no)\s+\S+\s+([A-Za-z0-9./_-]+)(?:=[^:\s]*)?(?::(NoSchedule|PreferNoSchedule|NoExecute))?)",
       Placement::kWatch, "quarantine", WatchTemplate{"taint", {{"key", "$1"}, {"effect", "$2"}}},
       "NVSentinel taints the node: the quarantine stage watches for the taint"},
      {"kubectl drain", R"(\bkubectl\b.*\bdrain\b)", Placement::kWatch, "drain",
       WatchTemplate{"healthevent", {{"phase", "Drained"}}},
       "NVSentinel drains the node: the drain stage watches the HealthEvent reach Drained"},
      {"GPU reset", R"(\bnvidia-smi\b.*(?:\s-r\b|--gpu-reset\b))", Placement::kWatch, "remediate",
       WatchTemplate{
           "crd", {{"group", kJanitorGroup}, {"version", "v1alpha1"}, {"resource", "gpuresets"}}},
       "NVSentinel resets the GPU through a GPUReset: the remediate stage watches for it"},
      {"reboot",
       NVSX_COMMAND_START
       R"((?:systemctl\s+reboot|reboot|shutdown\s+-r)\b|\bipmitool\b.*\bpower\s+(?:cycle|reset))",
       Placement::kWatch, "remediate",
       WatchTemplate{
           "crd", {{"group", kJanitorGroup}, {"version", "v1alpha1"}, {"resource", "rebootnodes"}}},
       "NVSentinel reboots the node through a RebootNode: the remediate stage watches for it"},
  };
  return kRules;
}

#undef NVSX_COMMAND_START

// Section headings -> stages, first match wins (so "Verify after reboot" is recover).
const std::vector<std::pair<std::string_view, std::string_view>>& HeadingStages() {
  static const std::vector<std::pair<std::string_view, std::string_view>> kTable = {
      {R"(post-?mortem|follow[- ]?up|retro|close|wrap|lessons|mttr)", "postmortem"},
      {R"(verif|recover|uncordon|return|restor|validat|back in service|health ?check)", "recover"},
      {R"(remediat|reboot|reset|repair|power|fix)", "remediate"},
      {R"(drain|evict)", "drain"},
      {R"(quarantin|cordon|isolat|taint)", "quarantine"},
      {R"(detect|identif|symptom|diagnos|triage|confirm)", "detect"},
      {R"(acknowledg|page|paging|escalat|declare|notify|announce|before|prerequisite|preflight)",
       "preflight"},
  };
  return kTable;
}

}  // namespace

std::span<const CommandRule> CommandRules() { return Rules(); }

std::optional<RuleMatch> MatchCommand(std::string_view command) {
  const std::string text(command);
  for (const CommandRule& rule : Rules()) {
    const std::regex pattern(std::string(rule.pattern),
                             std::regex::ECMAScript | std::regex::icase | std::regex::multiline);
    std::smatch match;
    if (!std::regex_search(text, match, pattern)) continue;
    RuleMatch found{&rule, {}};
    for (const auto& group : match) found.groups.push_back(group.str());
    return found;
  }
  return std::nullopt;
}

std::string_view StageForHeading(std::string_view heading) {
  const std::string text(heading);
  for (const auto& [pattern, stage] : HeadingStages()) {
    if (std::regex_search(text, std::regex(std::string(pattern), std::regex::icase))) return stage;
  }
  return "";
}

}  // namespace nvsx::convert
