#include "nvsx/runbook_loader.h"

#include <array>
#include <initializer_list>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "core/duration.h"
#include "core/file_io.h"
#include "core/source_error.h"
#include "core/str_cat.h"
#include "core/yaml_load.h"
#include "kube/names.h"
#include "nvsx/log_pattern.h"
#include "nvsx/mongo_filter.h"
#include "nvsx/mongo_shell.h"
#include "nvsx/stage_ids.h"
#include "nvsx/watch_kinds.h"

namespace nvsx::op {
namespace {

constexpr std::array<std::string_view, 10> kNarrationVariables = {
    "elapsed", "targetNode", "alias",       "runbook",       "nickname",
    "stage",   "runId",      "artifactDir", "artifactCount", "result",
};

// Walks one runbook document, collecting every error instead of stopping at the first.
class RunbookParser {
 public:
  RunbookParser(std::string source, const RunbookPaths& paths)
      : source_(std::move(source)), paths_(paths) {}

  Runbook Parse(const YAML::Node& root);
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void Error(const YAML::Node& node, const std::string& field, const std::string& message) {
    errors_.push_back(std::string(core::YamlFieldError(source_, node, field, message).message()));
  }

  bool ExpectMap(const YAML::Node& node, const std::string& field);
  void CheckKeys(const YAML::Node& map, const std::string& field,
                 std::initializer_list<std::string_view> allowed);
  std::optional<std::string> Scalar(const YAML::Node& map, std::string_view key,
                                    const std::string& field, bool required);
  std::vector<std::string> StringList(const YAML::Node& map, std::string_view key,
                                      const std::string& field);
  std::optional<absl::Duration> DurationField(const YAML::Node& map, std::string_view key,
                                              const std::string& field);
  std::optional<std::filesystem::path> PathField(const YAML::Node& node, const std::string& field,
                                                 const std::string& value);

  RunbookMetadata ParseMetadata(const YAML::Node& node);
  std::vector<Prerequisite> ParsePrerequisites(const YAML::Node& node);
  std::optional<Stage> ParseStage(const YAML::Node& node, const std::string& field);
  std::optional<WatchClause> ParseWatch(const YAML::Node& node, const std::string& field);
  // What a kind requires of its fields' values (a pattern that compiles, ...).
  void CheckWatchValues(const WatchClause& clause, const YAML::Node& node,
                        const std::string& field);
  void ParseNarration(const YAML::Node& node, const Runbook& runbook,
                      std::map<std::string, std::string>& narration);

  std::string source_;
  const RunbookPaths& paths_;
  std::vector<std::string> errors_;
};

std::string Join(std::initializer_list<std::string_view> words) {
  return absl::StrJoin(words.begin(), words.end(), ", ",
                       [](std::string* out, std::string_view w) { out->append(w); });
}

bool RunbookParser::ExpectMap(const YAML::Node& node, const std::string& field) {
  if (node.IsMap()) return true;
  Error(node, field, "must be a mapping of keys to values");
  return false;
}

void RunbookParser::CheckKeys(const YAML::Node& map, const std::string& field,
                              std::initializer_list<std::string_view> allowed) {
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    bool known = false;
    for (std::string_view name : allowed) known |= key == name;
    if (!known) {
      Error(entry.first, field.empty() ? key : core::StrCat(field, ".", key),
            core::StrCat("unknown key \"", key, "\"; allowed here: ", Join(allowed)));
    }
  }
}

std::optional<std::string> RunbookParser::Scalar(const YAML::Node& map, std::string_view key,
                                                 const std::string& field, bool required) {
  const YAML::Node value = map[std::string(key)];
  const std::string path = field.empty() ? std::string(key) : core::StrCat(field, ".", key);
  if (!value.IsDefined() || value.IsNull()) {
    if (required) Error(map, path, "missing required field");
    return std::nullopt;
  }
  if (!value.IsScalar()) {
    Error(value, path, "must be a string");
    return std::nullopt;
  }
  return value.Scalar();
}

std::vector<std::string> RunbookParser::StringList(const YAML::Node& map, std::string_view key,
                                                   const std::string& field) {
  std::vector<std::string> out;
  const YAML::Node value = map[std::string(key)];
  if (!value.IsDefined() || value.IsNull()) return out;
  const std::string path = core::StrCat(field, field.empty() ? "" : ".", key);
  if (!value.IsSequence()) {
    Error(value, path, "must be a list of strings, e.g. [a, b]");
    return out;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i].IsScalar()) {
      out.push_back(value[i].Scalar());
    } else {
      Error(value[i], core::StrCat(path, "[", i, "]"), "must be a string");
    }
  }
  return out;
}

std::optional<absl::Duration> RunbookParser::DurationField(const YAML::Node& map,
                                                           std::string_view key,
                                                           const std::string& field) {
  auto text = Scalar(map, key, field, /*required=*/false);
  if (!text) return std::nullopt;
  auto parsed = core::ParseDuration(*text);
  if (!parsed.ok()) {
    Error(map[std::string(key)], core::StrCat(field, ".", key),
          std::string(parsed.status().message()));
    return std::nullopt;
  }
  return *parsed;
}

std::optional<std::filesystem::path> RunbookParser::PathField(const YAML::Node& node,
                                                              const std::string& field,
                                                              const std::string& value) {
  const std::filesystem::path relative = std::filesystem::path(value).lexically_normal();
  if (relative.is_absolute() || relative.empty() || *relative.begin() == "..") {
    Error(node, field,
          core::StrCat("\"", value,
                       "\" leaves the runbook folder; give a path relative to it, e.g. "
                       "hooks/<runbook>/on-recover.sh"));
    return std::nullopt;
  }
  for (const std::filesystem::path& base : {paths_.runbooks_dir, paths_.project_root}) {
    if (base.empty()) continue;
    std::error_code ignored;
    if (std::filesystem::is_regular_file(base / relative, ignored)) return base / relative;
  }
  Error(node, field,
        core::StrCat("\"", value, "\" not found under ", paths_.runbooks_dir.string(),
                     paths_.project_root.empty() ? "" : " or " + paths_.project_root.string()));
  return std::nullopt;
}

RunbookMetadata RunbookParser::ParseMetadata(const YAML::Node& node) {
  RunbookMetadata metadata;
  if (!node.IsDefined()) {
    errors_.push_back(core::StrCat(source_, ":1:1: metadata: missing required field"));
    return metadata;
  }
  if (!ExpectMap(node, "metadata")) return metadata;
  CheckKeys(node, "metadata",
            {"name", "nickname", "title", "summary", "tags", "estimatedDuration"});
  metadata.name = Scalar(node, "name", "metadata", true).value_or("");
  metadata.nickname = Scalar(node, "nickname", "metadata", false).value_or("");
  metadata.title = Scalar(node, "title", "metadata", true).value_or("");
  metadata.summary = Scalar(node, "summary", "metadata", false).value_or("");
  metadata.tags = StringList(node, "tags", "metadata");
  if (auto d = DurationField(node, "estimatedDuration", "metadata"))
    metadata.estimated_duration = *d;
  return metadata;
}

std::vector<Prerequisite> RunbookParser::ParsePrerequisites(const YAML::Node& node) {
  std::vector<Prerequisite> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsSequence()) {
    Error(node, "prerequisites", "must be a list of {name, check, expect}");
    return out;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string field = core::StrCat("prerequisites[", i, "]");
    if (!ExpectMap(node[i], field)) continue;
    CheckKeys(node[i], field, {"name", "check", "expect"});
    Prerequisite prerequisite;
    prerequisite.name = Scalar(node[i], "name", field, true).value_or("");
    prerequisite.check = Scalar(node[i], "check", field, true).value_or("");
    prerequisite.expect = Scalar(node[i], "expect", field, true).value_or("");
    out.push_back(std::move(prerequisite));
  }
  return out;
}

std::optional<WatchClause> RunbookParser::ParseWatch(const YAML::Node& node,
                                                     const std::string& field) {
  if (!ExpectMap(node, field)) return std::nullopt;
  auto kind_name = Scalar(node, "kind", field, true);
  if (!kind_name) return std::nullopt;
  const WatchKindSpec* spec = FindWatchKind(*kind_name);
  if (spec == nullptr) {
    std::vector<std::string_view> names;
    for (const WatchKindSpec& known : WatchKindSpecs()) names.push_back(known.name);
    Error(
        node["kind"], field + ".kind",
        core::StrCat("unknown watch kind \"", *kind_name, "\"; allowed: ",
                     absl::StrJoin(names, ", ", [](std::string* out, auto w) { out->append(w); })));
    return std::nullopt;
  }
  WatchClause clause;
  clause.kind = spec->kind;
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (key == "kind") continue;
    bool allowed = false;
    for (auto name : spec->required) allowed |= key == name;
    for (auto name : spec->optional) allowed |= key == name;
    if (!allowed) {
      std::vector<std::string_view> names(spec->required.begin(), spec->required.end());
      names.insert(names.end(), spec->optional.begin(), spec->optional.end());
      Error(entry.first, core::StrCat(field, ".", key),
            core::StrCat(
                "\"", key, "\" is not a field of a ", spec->name, " watch; its fields: ",
                absl::StrJoin(names, ", ", [](std::string* out, auto w) { out->append(w); })));
      continue;
    }
    if (!entry.second.IsScalar()) {
      Error(entry.second, core::StrCat(field, ".", key), "must be a string");
      continue;
    }
    clause.fields[key] = entry.second.Scalar();
  }
  for (std::string_view required : spec->required) {
    auto value = clause.fields.find(std::string(required));
    if (value == clause.fields.end()) {
      Error(node, core::StrCat(field, ".", required),
            core::StrCat("missing required field for a ", spec->name, " watch"));
    } else if (value->second.empty()) {
      Error(node[std::string(required)], core::StrCat(field, ".", required),
            core::StrCat("must not be empty in a ", spec->name, " watch"));
    }
  }
  if (spec->kind == WatchKind::kHealthEvent && clause.fields.empty()) {
    Error(node, field, "a healthevent watch needs at least one of phase, check, xid");
  }
  CheckWatchValues(clause, node, field);
  return clause;
}

void RunbookParser::CheckWatchValues(const WatchClause& clause, const YAML::Node& node,
                                     const std::string& field) {
  auto check = [&](const char* key, const absl::Status& status, std::string_view example) {
    if (status.ok()) return;
    Error(node[key], core::StrCat(field, ".", key),
          core::StrCat(status.message(), example.empty() ? "" : "; e.g. ", example));
  };
  auto name = [&](const char* key, bool subdomain, const char* what) {
    auto value = clause.fields.find(key);
    if (value == clause.fields.end() || value->second.empty()) return;
    if (subdomain ? kube::IsDnsSubdomain(value->second) : kube::IsDnsLabel(value->second)) return;
    check(key,
          absl::InvalidArgumentError(core::StrCat("\"", value->second, "\" is not a ", what,
                                                  " name (lower-case letters, digits, '-'",
                                                  subdomain ? " and '.'" : "", ")")),
          "");
  };
  name("namespace", false, "namespace");
  name("container", false, "container");
  switch (clause.kind) {
    case WatchKind::kLog:
    case WatchKind::kTrainingLog:
      if (!clause.Field("pattern").empty()) {
        check("pattern", CompileLogPattern(clause.Field("pattern")).status(),
              "\"NCCL error|Xid 79\" or \"step \\d+\"");
      }
      if (clause.kind == WatchKind::kTrainingLog) name("pod", true, "pod");
      break;
    case WatchKind::kMongoEvent:
      if (!clause.Field("collection").empty()) {
        check("collection", CheckMongoCollection(clause.Field("collection")), "HealthEvents");
      }
      if (!clause.Field("filter").empty()) {  // none or empty: every document, as {}
        check("filter", CheckMongoFilter(clause.Field("filter")), "");
      }
      break;
    default:
      break;
  }
}

std::optional<Stage> RunbookParser::ParseStage(const YAML::Node& node, const std::string& field) {
  if (!ExpectMap(node, field)) return std::nullopt;
  CheckKeys(node, field, {"id", "title", "action", "watch", "hook", "expect", "timeout", "dwell"});
  Stage stage;
  stage.id = Scalar(node, "id", field, true).value_or("");
  if (!stage.id.empty() && FindStageId(stage.id) == nullptr) {
    std::vector<std::string_view> ids;
    for (const StageIdSpec& spec : StageIds()) ids.push_back(spec.id);
    Error(node["id"], field + ".id",
          core::StrCat("\"", stage.id, "\" is not a canonical stage id; use one of: ",
                       absl::StrJoin(ids, ", ", [](std::string* out, auto w) { out->append(w); })));
  }
  stage.title = Scalar(node, "title", field, false).value_or(stage.id);
  if (auto hook = Scalar(node, "hook", field, false)) {
    stage.hook = PathField(node["hook"], field + ".hook", *hook);
  }
  if (const YAML::Node action = node["action"]; action.IsDefined()) {
    const std::string action_field = field + ".action";
    if (ExpectMap(action, action_field)) {
      CheckKeys(action, action_field, {"script", "args"});
      if (auto script = Scalar(action, "script", action_field, true)) {
        if (auto path = PathField(action["script"], action_field + ".script", *script)) {
          stage.action = Action{*path, StringList(action, "args", action_field)};
        }
      }
    }
  }
  if (const YAML::Node watch = node["watch"]; watch.IsDefined() && !watch.IsNull()) {
    if (!watch.IsSequence()) {
      Error(watch, field + ".watch", "must be a list of watch clauses");
    } else {
      for (size_t i = 0; i < watch.size(); ++i) {
        if (auto clause = ParseWatch(watch[i], core::StrCat(field, ".watch[", i, "]"))) {
          stage.watch.push_back(std::move(*clause));
        }
      }
    }
  }
  stage.expect = StringList(node, "expect", field);
  if (auto timeout = DurationField(node, "timeout", field)) stage.timeout = *timeout;
  if (auto dwell = DurationField(node, "dwell", field)) stage.dwell = *dwell;
  return stage;
}

void RunbookParser::ParseNarration(const YAML::Node& node, const Runbook& runbook,
                                   std::map<std::string, std::string>& narration) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!ExpectMap(node, "narration")) return;
  static const std::regex kVariable(R"(\{\{\s*([A-Za-z_]+)\s*\}\})");
  for (const auto& entry : node) {
    const std::string stage_id = entry.first.Scalar();
    const std::string field = core::StrCat("narration.", stage_id);
    if (runbook.FindStage(stage_id) == nullptr) {
      Error(entry.first, field, "narration for a stage this runbook does not have");
    }
    if (!entry.second.IsScalar()) {
      Error(entry.second, field, "must be a string");
      continue;
    }
    const std::string text = entry.second.Scalar();
    for (std::sregex_iterator it(text.begin(), text.end(), kVariable), end; it != end; ++it) {
      const std::string variable = (*it)[1];
      bool known = false;
      for (std::string_view name : kNarrationVariables) known |= variable == name;
      if (!known) {
        Error(entry.second, field,
              core::StrCat("unknown variable {{", variable, "}}; allowed: ",
                           absl::StrJoin(kNarrationVariables, ", ",
                                         [](std::string* out, auto w) { out->append(w); })));
      }
    }
    narration[stage_id] = text;
  }
}

Runbook RunbookParser::Parse(const YAML::Node& root) {
  Runbook runbook;
  if (!root.IsMap()) {
    errors_.push_back(core::StrCat(source_,
                                   ":1:1: a runbook is a YAML mapping "
                                   "(apiVersion, kind, metadata, stages, ...)"));
    return runbook;
  }
  CheckKeys(root, "", {"apiVersion", "kind", "metadata", "prerequisites", "stages", "narration"});
  runbook.api_version = Scalar(root, "apiVersion", "", false).value_or("nvsx/v1");
  if (runbook.api_version != "nvsx/v1") {
    Error(root["apiVersion"], "apiVersion",
          core::StrCat("unsupported \"", runbook.api_version, "\"; use nvsx/v1"));
  }
  if (std::string kind = Scalar(root, "kind", "", false).value_or("Runbook"); kind != "Runbook") {
    Error(root["kind"], "kind", core::StrCat("must be Runbook, not \"", kind, "\""));
  }
  runbook.metadata = ParseMetadata(root["metadata"]);
  runbook.prerequisites = ParsePrerequisites(root["prerequisites"]);
  const YAML::Node stages = root["stages"];
  if (!stages.IsDefined() || !stages.IsSequence() || stages.size() == 0) {
    Error(stages.IsDefined() ? stages : root, "stages",
          "a runbook needs a non-empty list of stages");
  } else {
    std::set<std::string> seen;
    for (size_t i = 0; i < stages.size(); ++i) {
      const std::string field = core::StrCat("stages[", i, "]");
      auto stage = ParseStage(stages[i], field);
      if (!stage) continue;
      if (!stage->id.empty() && !seen.insert(stage->id).second) {
        Error(stages[i]["id"], field + ".id",
              core::StrCat("duplicate stage id \"", stage->id, "\"; each stage appears once"));
      }
      runbook.stages.push_back(std::move(*stage));
    }
  }
  ParseNarration(root["narration"], runbook, runbook.narration);
  return runbook;
}

}  // namespace

std::span<const std::string_view> NarrationVariables() { return kNarrationVariables; }

absl::StatusOr<Runbook> ParseRunbook(std::string_view text, const std::filesystem::path& source,
                                     const RunbookPaths& paths) {
  auto document = core::ParseYaml(text, source.string());
  if (!document.ok()) return document.status();
  RunbookParser parser(source.string(), paths);
  Runbook runbook;
  try {
    runbook = parser.Parse(*document);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on some malformed accesses; report it where it happened.
    return core::SourceError(source.string(), {e.mark.line + 1, e.mark.column + 1}, e.msg);
  }
  if (!parser.errors().empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(parser.errors(), "\n"));
  }
  runbook.source = source;
  runbook.slug = source.stem().string();
  return runbook;
}

absl::StatusOr<Runbook> LoadRunbook(const std::filesystem::path& file, const RunbookPaths& paths) {
  auto text = core::ReadFile(file);
  if (!text.ok()) return text.status();
  return ParseRunbook(*text, file, paths);
}

}  // namespace nvsx::op
