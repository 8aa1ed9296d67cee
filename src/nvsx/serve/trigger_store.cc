#include "nvsx/serve/trigger_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <system_error>
#include <thread>

#include "core/str_cat.h"

namespace nvsx::serve {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS serve_triggers (
  run_id TEXT PRIMARY KEY, runbook TEXT NOT NULL, node TEXT NOT NULL, source TEXT NOT NULL,
  state TEXT NOT NULL, result TEXT NOT NULL DEFAULT '', accepted_ms INTEGER NOT NULL,
  started_ms INTEGER, ended_ms INTEGER);
CREATE INDEX IF NOT EXISTS serve_triggers_by_state ON serve_triggers (state);
CREATE TABLE IF NOT EXISTS serve_idempotency (key TEXT PRIMARY KEY, run_id TEXT NOT NULL);
)sql";

constexpr char kColumns[] =
    "SELECT run_id, runbook, node, source, state, result, accepted_ms, started_ms, ended_ms "
    "FROM serve_triggers ";

// SQLite's own busy wait sleeps a millisecond or more per retry, while the
// writers sharing this file (runs being recorded) hold the lock for tens of
// microseconds; retrying sooner keeps a 202 from waiting milliseconds. Gives
// up after about 5 s, as sqlite3_busy_timeout(5000) would.
int RetrySoon(void*, int attempts) {
  if (attempts >= 50'000) return 0;
  std::this_thread::sleep_for(std::chrono::microseconds(attempts < 100 ? 20 : 100));
  return 1;
}

std::string Ms(absl::Time time) { return core::StrCat(absl::ToUnixMillis(time)); }

absl::Status SqliteError(sqlite3* db, std::string_view what) {
  return absl::InternalError(core::StrCat("trigger store: ", what, ": ", sqlite3_errmsg(db)));
}

constexpr char kInsertTrigger[] =
    "INSERT INTO serve_triggers (run_id, runbook, node, source, state, accepted_ms) "
    "VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kInsertKey[] = "INSERT INTO serve_idempotency (key, run_id) VALUES (?, ?)";

// Most triggers one transaction commits.
constexpr size_t kMaxBatch = 256;

}  // namespace

// A Record call waiting for its trigger to be committed.
struct TriggerStore::PendingRecord {
  const std::string& run_id;
  const Trigger& trigger;
  absl::Time accepted;
  const std::string& idempotency_key;
  absl::Status status;
  bool done = false;
  std::condition_variable wake;
};

// One use of a cached prepared statement, with text parameters; reset on
// scope exit. The store's mutex must be held for its whole life.
class TriggerStore::Query {
 public:
  Query(const TriggerStore& store, const std::string& sql, const std::vector<std::string>& params) {
    auto cached = store.statements_.find(sql);
    if (cached == store.statements_.end()) {
      sqlite3_stmt* prepared = nullptr;
      if (sqlite3_prepare_v2(store.db_, sql.c_str(), -1, &prepared, nullptr) != SQLITE_OK) return;
      cached = store.statements_.emplace(sql, prepared).first;
    }
    stmt_ = cached->second;
    for (size_t i = 0; i < params.size(); ++i) {
      sqlite3_bind_text(stmt_, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
    }
  }
  ~Query() {
    if (stmt_ == nullptr) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  sqlite3_stmt* get() const { return stmt_; }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text == nullptr ? "" : reinterpret_cast<const char*>(text);
  }
  std::optional<absl::Time> Time(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
    return absl::FromUnixMillis(sqlite3_column_int64(stmt_, column));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

absl::StatusOr<std::unique_ptr<TriggerStore>> TriggerStore::Open(const std::filesystem::path& file,
                                                                 bool fsync) {
  std::error_code error;
  std::filesystem::create_directories(file.parent_path(), error);
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
    absl::Status status = absl::UnavailableError(
        core::StrCat("cannot open the trigger store ", file.string(), ": ", sqlite3_errmsg(db),
                     "; set NVSX_STATE_DIR to a writable folder"));
    sqlite3_close(db);
    return status;
  }
  std::unique_ptr<TriggerStore> store(new TriggerStore(db));
  sqlite3_busy_handler(db, RetrySoon, nullptr);
  // wal_autocheckpoint=0: this connection answers webhooks, so it leaves
  // checkpoints (page copies and an fsync) to the run store's connections.
  const std::string setup =
      core::StrCat("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; PRAGMA synchronous=",
                   fsync ? "FULL;" : "NORMAL;", kSchema);
  char* message = nullptr;
  if (sqlite3_exec(db, setup.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message == nullptr ? "unknown error" : message;
    sqlite3_free(message);
    return absl::UnavailableError(
        core::StrCat("cannot set up the trigger store ", file.string(), ": ", text));
  }
  return store;
}

TriggerStore::~TriggerStore() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close(db_);
}

absl::Status TriggerStore::ExecLocked(const std::string& sql,
                                      const std::vector<std::string>& params) {
  Query query(*this, sql, params);
  if (query.get() == nullptr) return SqliteError(db_, "prepare");
  if (sqlite3_step(query.get()) != SQLITE_DONE) return SqliteError(db_, "write");
  return absl::OkStatus();
}

// Group commit, as LevelDB's writers do: callers queue; the one at the front
// commits everything queued at that moment while the next ones gather behind
// it, so under load one transaction (one WAL append, one fsync with --fsync)
// carries many triggers, and alone a trigger commits at once.
absl::Status TriggerStore::Record(const std::string& run_id, const Trigger& trigger,
                                  absl::Time accepted, const std::string& idempotency_key) {
  PendingRecord self{run_id, trigger, accepted, idempotency_key};
  std::unique_lock lock(writers_mu_);
  writers_.push_back(&self);
  self.wake.wait(lock, [&] { return self.done || writers_.front() == &self; });
  if (self.done) return self.status;
  std::vector<PendingRecord*> batch(
      writers_.begin(), writers_.begin() + static_cast<long>(std::min(writers_.size(), kMaxBatch)));
  lock.unlock();
  {
    std::lock_guard db_lock(mu_);
    CommitLocked(batch);
  }
  lock.lock();
  for (PendingRecord* record : batch) {
    writers_.pop_front();
    record->done = true;
    if (record != &self) record->wake.notify_one();
  }
  if (!writers_.empty()) writers_.front()->wake.notify_one();
  return self.status;
}

void TriggerStore::CommitLocked(const std::vector<PendingRecord*>& batch) {
  if (absl::Status begun = ExecLocked("BEGIN IMMEDIATE", {}); !begun.ok()) {
    for (PendingRecord* record : batch) record->status = begun;
    return;
  }
  for (PendingRecord* record : batch) {
    record->status = ExecLocked("SAVEPOINT one_trigger", {});
    if (record->status.ok()) record->status = RecordOneLocked(*record);
    if (record->status.ok()) {
      record->status = ExecLocked("RELEASE one_trigger", {});
      continue;
    }
    if (sqlite3_get_autocommit(db_) != 0) {
      // SQLite rolled the whole transaction back (disk full, I/O error):
      // nothing of the batch is recorded.
      for (PendingRecord* other : batch) {
        if (other->status.ok()) other->status = record->status;
      }
      return;
    }
    ExecLocked("ROLLBACK TO one_trigger", {}).IgnoreError();
    ExecLocked("RELEASE one_trigger", {}).IgnoreError();
  }
  if (absl::Status committed = ExecLocked("COMMIT", {}); !committed.ok()) {
    ExecLocked("ROLLBACK", {}).IgnoreError();
    for (PendingRecord* record : batch) {
      if (record->status.ok()) record->status = committed;
    }
  }
}

absl::Status TriggerStore::RecordOneLocked(const PendingRecord& record) {
  const Trigger& trigger = record.trigger;
  absl::Status status = ExecLocked(kInsertTrigger, {record.run_id, trigger.runbook, trigger.node,
                                                    trigger.source, kQueued, Ms(record.accepted)});
  if (!status.ok() || record.idempotency_key.empty()) return status;
  return ExecLocked(kInsertKey, {record.idempotency_key, record.run_id});
}

absl::Status TriggerStore::RememberKey(const std::string& key, const std::string& run_id) {
  std::lock_guard lock(mu_);
  return ExecLocked("INSERT OR IGNORE INTO serve_idempotency (key, run_id) VALUES (?, ?)",
                    {key, run_id});
}

absl::StatusOr<std::optional<std::string>> TriggerStore::FindKey(const std::string& key) const {
  std::lock_guard lock(mu_);
  Query query(*this, "SELECT run_id FROM serve_idempotency WHERE key = ?", {key});
  if (query.get() == nullptr) return SqliteError(db_, "prepare");
  const int step = sqlite3_step(query.get());
  if (step == SQLITE_ROW) return std::optional<std::string>(query.Text(0));
  if (step != SQLITE_DONE) return SqliteError(db_, "read");
  return std::optional<std::string>();
}

absl::Status TriggerStore::MarkRunning(const std::string& run_id, absl::Time started) {
  std::lock_guard lock(mu_);
  return ExecLocked("UPDATE serve_triggers SET state = ?, started_ms = ? WHERE run_id = ?",
                    {kRunning, Ms(started), run_id});
}

absl::Status TriggerStore::MarkEnded(const std::string& run_id, const std::string& state,
                                     const std::string& result, absl::Time ended) {
  std::lock_guard lock(mu_);
  absl::Status status =
      ExecLocked("UPDATE serve_triggers SET state = ?, result = ?, ended_ms = ? WHERE run_id = ?",
                 {state, result, Ms(ended), run_id});
  if (!status.ok()) return status;
  // The run store's table exists once any run started; a run cut off by a
  // crash has no result there yet.
  if (!runs_table_seen_) {
    Query exists(*this, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'", {});
    if (exists.get() == nullptr || sqlite3_step(exists.get()) != SQLITE_ROW) return status;
    runs_table_seen_ = true;
  }
  return ExecLocked("UPDATE runs SET result = ?, ended_ms = ? WHERE id = ? AND result = ''",
                    {result, Ms(ended), run_id});
}

absl::StatusOr<std::vector<TriggerRecord>> TriggerStore::SelectLocked(
    const std::string& where, const std::string& param) const {
  Query query(*this, core::StrCat(kColumns, where),
              param.empty() ? std::vector<std::string>{} : std::vector{param});
  if (query.get() == nullptr) return SqliteError(db_, "prepare");
  std::vector<TriggerRecord> out;
  int step;
  while ((step = sqlite3_step(query.get())) == SQLITE_ROW) {
    out.push_back(TriggerRecord{query.Text(0),
                                {query.Text(1), query.Text(2), query.Text(3)},
                                query.Text(4),
                                query.Text(5),
                                query.Time(6).value_or(absl::UnixEpoch()),
                                query.Time(7),
                                query.Time(8)});
  }
  if (step != SQLITE_DONE) return SqliteError(db_, "read");
  return out;
}

absl::StatusOr<std::vector<TriggerRecord>> TriggerStore::Unfinished() const {
  std::lock_guard lock(mu_);
  return SelectLocked(core::StrCat("WHERE state IN ('", kQueued, "', '", kRunning,
                                   "') ORDER BY accepted_ms, rowid"),
                      "");
}

absl::StatusOr<std::optional<TriggerRecord>> TriggerStore::Get(const std::string& run_id) const {
  std::lock_guard lock(mu_);
  absl::StatusOr<std::vector<TriggerRecord>> rows = SelectLocked("WHERE run_id = ?", run_id);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<TriggerRecord>();
  return std::optional<TriggerRecord>(std::move(rows->front()));
}

absl::StatusOr<int64_t> TriggerStore::Count() const {
  std::lock_guard lock(mu_);
  Query query(*this, "SELECT COUNT(*) FROM serve_triggers", {});
  if (query.get() == nullptr || sqlite3_step(query.get()) != SQLITE_ROW) {
    return SqliteError(db_, "read");
  }
  return sqlite3_column_int64(query.get(), 0);
}

}  // namespace nvsx::serve
