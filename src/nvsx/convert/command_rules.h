#pragma once

// The one table of commands the converters recognise. Cluster actions
// (cordon, taint, drain, reboot, GPU reset, uncordon) are NVSentinel's job, so
// each becomes a passive watch clause in a fixed stage; notification calls
// (Slack, PagerDuty, Jira, MTTR) are the team's, kept verbatim in hooks.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nvsx::convert {

enum class Placement { kWatch, kHook };

// A watch clause to write for a matched command. A field value "$1" or "$2"
// takes that group of the rule's pattern; a field whose group is empty is left out.
struct WatchTemplate {
  std::string_view kind;
  std::vector<std::pair<std::string_view, std::string_view>> fields;
};

struct CommandRule {
  std::string_view name;     // "kubectl cordon"
  std::string_view pattern;  // ECMAScript, case-insensitive, searched anywhere in the command
  Placement placement;
  std::string_view stage;  // a watch's stage; hooks take their section's
  std::optional<WatchTemplate> watch;
  std::string_view why;
};

std::span<const CommandRule> CommandRules();

struct RuleMatch {
  const CommandRule* rule = nullptr;
  std::vector<std::string> groups;  // groups[0] is the whole match
};

// The first rule (in table order: notifications before cluster actions, so a
// Slack message that says "reboot" stays a hook) that `command` matches.
std::optional<RuleMatch> MatchCommand(std::string_view command);

// The stage a section heading is about ("Drain the node" -> "drain"), or "".
std::string_view StageForHeading(std::string_view heading);

}  // namespace nvsx::convert
