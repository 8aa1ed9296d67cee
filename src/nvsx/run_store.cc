#include "nvsx/run_store.h"

#include <sqlite3.h>

#include "core/str_cat.h"

namespace nvsx::op {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, runbook TEXT NOT NULL, node TEXT NOT NULL, trigger TEXT NOT NULL,
  result TEXT NOT NULL DEFAULT '', started_ms INTEGER NOT NULL, ended_ms INTEGER);
CREATE TABLE IF NOT EXISTS stages (
  run_id TEXT NOT NULL, stage TEXT NOT NULL, result TEXT NOT NULL DEFAULT '',
  started_ms INTEGER, ended_ms INTEGER, reason TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, stage));
CREATE TABLE IF NOT EXISTS hooks (
  run_id TEXT NOT NULL, stage TEXT NOT NULL, script TEXT NOT NULL, exit_code INTEGER,
  timed_out INTEGER, elapsed_ms INTEGER, output_tail TEXT);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started_ms);
)sql";

std::string Ms(absl::Time time) { return core::StrCat(absl::ToUnixMillis(time)); }

absl::Status SqliteError(sqlite3* db, std::string_view what) {
  return absl::InternalError(core::StrCat("run history: ", what, ": ", sqlite3_errmsg(db)));
}

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) {
    sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt* get() const { return stmt_; }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text == nullptr ? "" : reinterpret_cast<const char*>(text);
  }
  absl::Time Time(int column) const {
    return absl::FromUnixMillis(sqlite3_column_int64(stmt_, column));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

constexpr char kSelectRuns[] =
    "SELECT id, runbook, node, trigger, result, started_ms, ended_ms FROM runs ";

RunRecord RunFromRow(const Statement& row) {
  return RunRecord{row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4),
                   row.Time(5), row.Time(6), {},          {}};
}

}  // namespace

absl::StatusOr<std::unique_ptr<RunStore>> RunStore::Open(const std::filesystem::path& file) {
  std::error_code error;
  std::filesystem::create_directories(file.parent_path(), error);
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
    absl::Status status = absl::UnavailableError(
        core::StrCat("cannot open the run history ", file.string(), ": ", sqlite3_errmsg(db)));
    sqlite3_close(db);
    return status;
  }
  std::unique_ptr<RunStore> store(new RunStore(db));
  sqlite3_busy_timeout(db, 5000);
  char* message = nullptr;
  // WAL with synchronous=NORMAL: a commit survives the process being killed
  // without an fsync each (FULL costs milliseconds per event on a VM disk).
  const std::string setup =
      core::StrCat("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", kSchema);
  if (sqlite3_exec(db, setup.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message == nullptr ? "unknown error" : message;
    sqlite3_free(message);
    return absl::UnavailableError(
        core::StrCat("cannot set up the run history ", file.string(), ": ", text));
  }
  return store;
}

RunStore::~RunStore() { sqlite3_close(db_); }

absl::Status RunStore::Exec(const std::string& sql, const std::vector<std::string>& params) {
  Statement statement(db_, sql);
  if (statement.get() == nullptr) return SqliteError(db_, "prepare");
  for (size_t i = 0; i < params.size(); ++i) {
    sqlite3_bind_text(statement.get(), static_cast<int>(i + 1), params[i].c_str(), -1,
                      SQLITE_TRANSIENT);
  }
  if (sqlite3_step(statement.get()) != SQLITE_DONE) return SqliteError(db_, "write");
  return absl::OkStatus();
}

void RunStore::OnEvent(const RunEvent& event) {
  const nlohmann::json& data = event.data;
  auto text = [&](const char* key) { return data.value(key, std::string()); };
  absl::Status status;
  switch (event.type) {
    case RunEventType::kRunStart:
      status = Exec(
          "INSERT OR REPLACE INTO runs (id, runbook, node, trigger, started_ms) "
          "VALUES (?, ?, ?, ?, ?)",
          {event.run_id, text("runbook"), text("target_node"), text("trigger"), Ms(event.time)});
      break;
    case RunEventType::kStageStart:
      status = Exec("INSERT OR REPLACE INTO stages (run_id, stage, started_ms) VALUES (?, ?, ?)",
                    {event.run_id, event.stage, Ms(event.time)});
      break;
    case RunEventType::kStagePass:
    case RunEventType::kStageFail:
    case RunEventType::kStageSkip: {
      const char* result = event.type == RunEventType::kStagePass   ? "pass"
                           : event.type == RunEventType::kStageFail ? "fail"
                                                                    : "skip";
      status = Exec(
          "INSERT INTO stages (run_id, stage, result, started_ms, ended_ms, reason) "
          "VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT (run_id, stage) DO UPDATE SET "
          "result = ?3, ended_ms = ?4, reason = ?5",
          {event.run_id, event.stage, result, Ms(event.time), text("reason")});
      break;
    }
    case RunEventType::kHookExit:
      status = Exec(
          "INSERT INTO hooks (run_id, stage, script, exit_code, timed_out, elapsed_ms, "
          "output_tail) VALUES (?, ?, ?, ?, ?, ?, ?)",
          {event.run_id, event.stage, text("script"), core::StrCat(data.value("exit_code", -1)),
           data.value("timed_out", false) ? "1" : "0",
           core::StrCat(data.value("elapsed_ms", int64_t{0})), text("output_tail")});
      break;
    case RunEventType::kRunEnd:
      status = Exec("UPDATE runs SET result = ?, ended_ms = ? WHERE id = ?",
                    {text("result"), Ms(event.time), event.run_id});
      break;
    case RunEventType::kPrerequisite:
    case RunEventType::kWatchSatisfied:
    case RunEventType::kHookStart:
    case RunEventType::kNarration:
      break;
  }
  if (!status.ok() && status_.ok()) status_ = status;
}

absl::Status RunStore::LoadDetails(RunRecord& run) const {
  Statement stages(
      db_,
      "SELECT stage, result, started_ms, ended_ms, reason FROM stages WHERE run_id = ? "
      "ORDER BY started_ms, rowid");
  sqlite3_bind_text(stages.get(), 1, run.id.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(stages.get()) == SQLITE_ROW) {
    run.stages.push_back(
        {stages.Text(0), stages.Text(1), stages.Time(2), stages.Time(3), stages.Text(4)});
  }
  Statement hooks(db_,
                  "SELECT stage, script, exit_code, timed_out, elapsed_ms, output_tail FROM hooks "
                  "WHERE run_id = ? ORDER BY rowid");
  sqlite3_bind_text(hooks.get(), 1, run.id.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(hooks.get()) == SQLITE_ROW) {
    run.hooks.push_back({hooks.Text(0), hooks.Text(1), sqlite3_column_int(hooks.get(), 2),
                         sqlite3_column_int(hooks.get(), 3) != 0,
                         sqlite3_column_int64(hooks.get(), 4), hooks.Text(5)});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RunRecord>> RunStore::ListRuns(int limit) const {
  Statement runs(db_, core::StrCat(kSelectRuns, "ORDER BY started_ms DESC LIMIT ?"));
  if (runs.get() == nullptr) return SqliteError(db_, "read");
  sqlite3_bind_int(runs.get(), 1, limit);
  std::vector<RunRecord> out;
  while (sqlite3_step(runs.get()) == SQLITE_ROW) {
    RunRecord run = RunFromRow(runs);
    if (absl::Status status = LoadDetails(run); !status.ok()) return status;
    out.push_back(std::move(run));
  }
  return out;
}

absl::StatusOr<std::optional<RunRecord>> RunStore::GetRun(const std::string& id) const {
  Statement runs(db_, core::StrCat(kSelectRuns, "WHERE id = ?"));
  if (runs.get() == nullptr) return SqliteError(db_, "read");
  sqlite3_bind_text(runs.get(), 1, id.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(runs.get()) != SQLITE_ROW) return std::optional<RunRecord>();
  RunRecord run = RunFromRow(runs);
  if (absl::Status status = LoadDetails(run); !status.ok()) return status;
  return std::optional<RunRecord>(std::move(run));
}

}  // namespace nvsx::op
