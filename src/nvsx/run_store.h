#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nvsx/run_renderer.h"

struct sqlite3;

namespace nvsx::op {

struct StageRecord {
  std::string stage;
  std::string result;  // "pass", "fail", "skip", or "" while running
  absl::Time started;
  absl::Time ended;
  std::string reason;
};

struct HookRecord {
  std::string stage;
  std::string script;
  int exit_code = -1;
  bool timed_out = false;
  int64_t elapsed_ms = 0;
  std::string output_tail;
};

struct RunRecord {
  std::string id;
  std::string runbook;
  std::string node;
  std::string trigger;
  std::string result;  // "pass", "fail", "interrupted", or "" while running
  absl::Time started;
  absl::Time ended;
  std::vector<StageRecord> stages;
  std::vector<HookRecord> hooks;
};

// Every run's record in SQLite (one file, WAL mode, safe for several nvsx
// processes). It is a renderer: give it the run's events and it stores them.
class RunStore final : public RunRenderer {
 public:
  static absl::StatusOr<std::unique_ptr<RunStore>> Open(const std::filesystem::path& file);
  ~RunStore() override;

  // Stores the event; a failure to write is kept and reported by status().
  void OnEvent(const RunEvent& event) override;
  absl::Status status() const { return status_; }

  // Newest first.
  absl::StatusOr<std::vector<RunRecord>> ListRuns(int limit) const;
  absl::StatusOr<std::optional<RunRecord>> GetRun(const std::string& id) const;

 private:
  explicit RunStore(sqlite3* db) : db_(db) {}
  absl::Status Exec(const std::string& sql, const std::vector<std::string>& params);
  absl::Status LoadDetails(RunRecord& run) const;

  sqlite3* db_;
  absl::Status status_;
};

}  // namespace nvsx::op
