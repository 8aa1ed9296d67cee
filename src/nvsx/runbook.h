#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace nvsx::op {

// The runbook format of the original nvsx (apiVersion nvsx/v1, kind Runbook),
// unchanged, plus the `healthevent` watch kind. Loaded and validated by
// LoadRunbook (runbook_loader.h); every path here is already resolved.

struct Prerequisite {
  std::string name;
  std::string check;   // a command line, run through the shell as in the original
  std::string expect;  // see expectation.h
};

struct Action {
  std::filesystem::path script;
  std::vector<std::string> args;
};

enum class WatchKind {
  kPod,
  kNode,
  kNodeCondition,
  kCrd,
  kPodEvent,
  kTaint,
  kLog,
  kTrainingLog,
  kMongoEvent,
  kHealthEvent,
};

// One condition a stage waits for. Which fields mean something depends on the
// kind (watch_kinds.h lists them); absent fields are empty.
struct WatchClause {
  WatchKind kind = WatchKind::kNode;
  std::map<std::string, std::string> fields;

  // The field's value, or "" when absent.
  const std::string& Field(const std::string& name) const;
};

struct Stage {
  std::string id;
  std::string title;
  std::optional<Action> action;
  std::vector<WatchClause> watch;
  std::optional<std::filesystem::path> hook;
  std::vector<std::string> expect;
  absl::Duration timeout = absl::Seconds(60);
  absl::Duration dwell = absl::ZeroDuration();
};

struct RunbookMetadata {
  std::string name;
  std::string nickname;
  std::string title;
  std::string summary;
  std::vector<std::string> tags;
  absl::Duration estimated_duration = absl::Seconds(60);
};

struct Runbook {
  std::string api_version;
  RunbookMetadata metadata;
  std::vector<Prerequisite> prerequisites;
  std::vector<Stage> stages;
  std::map<std::string, std::string> narration;  // stage id -> text with {{variables}}

  std::filesystem::path source;  // the YAML file it was loaded from
  std::string slug;              // the file's stem: how users name the runbook

  const Stage* FindStage(const std::string& id) const;
};

}  // namespace nvsx::op
