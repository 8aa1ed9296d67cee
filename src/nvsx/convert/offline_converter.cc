#include "nvsx/convert/offline_converter.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "absl/strings/str_join.h"
#include "core/str_cat.h"
#include "nvsx/convert/command_rules.h"
#include "nvsx/convert/markdown_commands.h"
#include "nvsx/convert/shell_words.h"
#include "nvsx/node_alias.h"
#include "nvsx/stage_ids.h"
#include "yaml-cpp/yaml.h"

namespace nvsx::convert {
namespace {

struct StageStyle {
  std::string_view id;
  std::string_view title;
  std::string_view timeout;
};

// The production stages a converted runbook may have, with their defaults.
constexpr StageStyle kStageStyles[] = {
    {"preflight", "Incident acknowledged", "2m"}, {"detect", "Fault reported", "10m"},
    {"quarantine", "Node quarantined", "5m"},     {"drain", "Workloads evicted", "15m"},
    {"remediate", "Node remediated", "30m"},      {"recover", "Node back in service", "30m"},
    {"postmortem", "Postmortem", "5m"},
};

struct Watch {
  std::string kind;
  std::vector<std::pair<std::string, std::string>> fields;
  bool operator==(const Watch&) const = default;
};

struct HookStep {
  int line;
  std::string rule;
  std::string text;
};

struct DraftStage {
  std::vector<Watch> watches;
  std::vector<HookStep> steps;
};

Watch WatchFor(const RuleMatch& match) {
  Watch watch{std::string(match.rule->watch->kind), {}};
  for (const auto& [key, value] : match.rule->watch->fields) {
    std::string resolved(value);
    if (value.size() == 2 && value[0] == '$') {
      const size_t group = static_cast<size_t>(value[1] - '0');
      resolved = group < match.groups.size() ? match.groups[group] : "";
    }
    if (!resolved.empty()) watch.fields.emplace_back(key, resolved);
  }
  return watch;
}

// The stage a command's section is about: the innermost heading that names one.
std::string SectionStage(const MarkdownCommand& command) {
  for (auto it = command.headings.rbegin(); it != command.headings.rend(); ++it) {
    if (std::string_view stage = StageForHeading(*it); !stage.empty()) return std::string(stage);
  }
  return "";
}

std::string HookName(std::string_view stage) { return core::StrCat("on-", stage, ".sh"); }

class Converter {
 public:
  Converter(const std::string& slug, const std::string& source_name)
      : slug_(slug), source_name_(source_name) {}

  Conversion Convert(std::string_view markdown) {
    const MarkdownRunbook doc = ParseMarkdownRunbook(markdown);
    for (const MarkdownCommand& command : doc.commands) {
      if (std::optional<Assignment> assignment = ParseAssignment(command.text);
          assignment && command.in_code_block) {
        definitions_.push_back({assignment->name, command.line, command.text, assignment->value});
      }
    }
    Detect(doc.xids);
    std::string last_stage;
    for (const MarkdownCommand& command : doc.commands) {
      if (ParseAssignment(command.text)) continue;
      std::optional<RuleMatch> match = MatchCommand(MatchText(command.text));
      if (!match) {
        if (command.in_code_block) {
          conversion_.unplaced.push_back(
              {command.line, command.text,
               "no rule for this command; add it to a hook or a watch by hand"});
        }
        continue;
      }
      if (match->rule->placement == Placement::kWatch) {
        last_stage = std::string(match->rule->stage);
        AddWatch(last_stage, WatchFor(*match));
        continue;
      }
      std::string stage = SectionStage(command);
      if (stage.empty()) stage = last_stage.empty() ? "preflight" : last_stage;
      stages_[stage].steps.push_back({command.line, std::string(match->rule->name), command.text});
    }
    conversion_.slug = slug_;
    conversion_.runbook_yaml = RenderYaml(doc);
    for (const StageStyle& style : kStageStyles) {
      auto it = stages_.find(std::string(style.id));
      if (it != stages_.end() && !it->second.steps.empty()) {
        conversion_.hooks.push_back({HookName(style.id), RenderHook(style.id, it->second.steps)});
      }
    }
    return std::move(conversion_);
  }

 private:
  struct Definition {
    std::string name;
    int line;
    std::string text;
    std::string value;
  };

  void Detect(const std::vector<int>& xids) {
    Watch watch{"healthevent", {}};
    if (xids.size() == 1) {
      watch.fields.emplace_back("xid", core::StrCat(xids.front()));
    } else {
      watch.fields.emplace_back("phase", "New");
    }
    AddWatch("detect", watch);
  }

  void AddWatch(const std::string& stage, const Watch& watch) {
    std::vector<Watch>& watches = stages_[stage].watches;
    if (std::find(watches.begin(), watches.end(), watch) == watches.end()) {
      watches.push_back(watch);
    }
  }

  // The command with the values of the variables it uses appended, so that
  // `curl -X POST "$SLACK_WEBHOOK"` is recognised by the URL it posts to.
  std::string MatchText(const std::string& command) const {
    std::string text = command;
    for (const std::string& name : ReferencedVariables(command)) {
      for (const Definition& definition : definitions_) {
        if (definition.name == name) core::StrAppend(&text, " ", definition.value);
      }
    }
    return text;
  }

  // The definitions `steps` use, directly or through each other, in document order.
  std::vector<const Definition*> DefinitionsFor(const std::vector<HookStep>& steps,
                                                std::set<std::string>* node_variables) const {
    std::set<std::string> wanted;
    std::vector<std::string> queue;
    for (const HookStep& step : steps) {
      for (const std::string& name : ReferencedVariables(step.text)) queue.push_back(name);
    }
    while (!queue.empty()) {
      const std::string name = queue.back();
      queue.pop_back();
      if (!wanted.insert(name).second) continue;
      if (IsNodeVariable(name)) {
        node_variables->insert(name);
        continue;
      }
      for (const Definition& definition : definitions_) {
        if (definition.name != name) continue;
        for (const std::string& used : ReferencedVariables(definition.value)) {
          queue.push_back(used);
        }
      }
    }
    std::vector<const Definition*> used;
    for (const Definition& definition : definitions_) {
      if (wanted.contains(definition.name) && !IsNodeVariable(definition.name)) {
        used.push_back(&definition);
      }
    }
    return used;
  }

  std::string RenderHook(std::string_view stage, const std::vector<HookStep>& steps) const {
    std::set<std::string> node_variables;
    const std::vector<const Definition*> definitions = DefinitionsFor(steps, &node_variables);
    std::string text = core::StrCat("#!/usr/bin/env bash\n# ", slug_, ", stage ", stage,
                                    ": the team's steps from ", source_name_,
                                    ", kept verbatim by `nvsx convert`.\n"
                                    "# nvsx sets NVSX_STAGE, NVSX_RUNBOOK, NVSX_TARGET_NODE, "
                                    "NVSX_ALIAS, NVSX_RUN_ID, NVSX_ELAPSED_MS\n"
                                    "# and NVSX_PROJECT_ROOT; a non-zero exit fails the stage.\n"
                                    "set -euo pipefail\n\n");
    for (const std::string& name : node_variables) {
      core::StrAppend(&text, name, "=\"${NVSX_TARGET_NODE}\"\n");
    }
    for (const Definition* definition : definitions) {
      core::StrAppend(&text, ReplacePlaceholders(definition->text), "  # ", source_name_, ":",
                      definition->line, "\n");
    }
    if (!node_variables.empty() || !definitions.empty()) text += "\n";
    for (const HookStep& step : steps) {
      core::StrAppend(&text, "# ", source_name_, ":", step.line, " (", step.rule, ")\n",
                      ReplacePlaceholders(step.text), "\n");
    }
    return text;
  }

  std::string RenderYaml(const MarkdownRunbook& doc) const {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "apiVersion" << YAML::Value << "nvsx/v1";
    out << YAML::Key << "kind" << YAML::Value << "Runbook";
    out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << slug_;
    out << YAML::Key << "nickname" << YAML::Value << op::NodeAlias(slug_);
    out << YAML::Key << "title" << YAML::Value << YAML::DoubleQuoted
        << (doc.title.empty() ? slug_ : doc.title);
    if (!doc.summary.empty()) {
      out << YAML::Key << "summary" << YAML::Value << YAML::DoubleQuoted << doc.summary;
    }
    out << YAML::Key << "tags" << YAML::Value << YAML::Flow << YAML::BeginSeq << "converted";
    if (doc.xids.size() == 1) out << core::StrCat("xid-", doc.xids.front());
    out << YAML::EndSeq;
    out << YAML::EndMap;
    out << YAML::Key << "stages" << YAML::Value << YAML::BeginSeq;
    for (const StageStyle& style : kStageStyles) {
      auto it = stages_.find(std::string(style.id));
      if (it == stages_.end()) continue;
      const DraftStage& stage = it->second;
      out << YAML::BeginMap;
      out << YAML::Key << "id" << YAML::Value << std::string(style.id);
      out << YAML::Key << "title" << YAML::Value << YAML::DoubleQuoted << std::string(style.title);
      if (!stage.watches.empty()) {
        out << YAML::Key << "watch" << YAML::Value << YAML::BeginSeq;
        for (const Watch& watch : stage.watches) {
          out << YAML::BeginMap << YAML::Key << "kind" << YAML::Value << watch.kind;
          for (const auto& [key, value] : watch.fields) {
            out << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << value;
          }
          out << YAML::EndMap;
        }
        out << YAML::EndSeq;
      }
      if (!stage.steps.empty()) {
        out << YAML::Key << "hook" << YAML::Value
            << core::StrCat("hooks/", slug_, "/", HookName(style.id));
      }
      out << YAML::Key << "timeout" << YAML::Value << std::string(style.timeout);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::EndMap;
    return core::StrCat("# Converted by `nvsx convert` from ", source_name_,
                        ". Cordon, drain and reboot are NVSentinel's job:\n"
                        "# they are watch clauses here; the team's calls are in the hooks.\n",
                        out.c_str(), "\n");
  }

  const std::string slug_;
  const std::string source_name_;
  std::vector<Definition> definitions_;
  std::map<std::string, DraftStage> stages_;
  Conversion conversion_;
};

}  // namespace

Conversion ConvertOffline(std::string_view markdown, const std::string& slug,
                          const std::string& source_name) {
  return Converter(slug, source_name).Convert(markdown);
}

}  // namespace nvsx::convert
