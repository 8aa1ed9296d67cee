#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nvsx/serve/trigger.h"

struct sqlite3;
struct sqlite3_stmt;

namespace nvsx::serve {

// Where an accepted trigger is: queued, running, then finished or interrupted.
inline constexpr char kQueued[] = "queued";
inline constexpr char kRunning[] = "running";
inline constexpr char kFinished[] = "finished";
inline constexpr char kInterrupted[] = "interrupted";

struct TriggerRecord {
  std::string run_id;
  Trigger trigger;
  std::string state;   // kQueued, kRunning, kFinished, kInterrupted
  std::string result;  // the run's result once finished ("pass", "fail", "interrupted")
  absl::Time accepted;
  std::optional<absl::Time> started;
  std::optional<absl::Time> ended;
};

// Every trigger `nvsx serve` accepted, and the idempotency keys that led to
// them, in the run history's SQLite file (tables serve_triggers and
// serve_idempotency beside the run store's). A trigger is written before the
// sender hears "fired", so a crash cannot lose one. Writes use WAL with
// synchronous=NORMAL (they survive the process being killed, not a power
// loss of the last moments), or FULL with `fsync` (they survive that too, at
// an fsync per commit). Concurrent Record calls share one transaction (group
// commit); each returns once its own row is committed. Thread-safe (one
// connection, one lock).
class TriggerStore {
 public:
  static absl::StatusOr<std::unique_ptr<TriggerStore>> Open(const std::filesystem::path& file,
                                                            bool fsync = false);
  ~TriggerStore();

  // Records a new trigger as queued and, when `idempotency_key` is not empty,
  // the key: both or neither. Returns once they are committed; triggers
  // recorded at the same time commit together, each kept or refused alone.
  absl::Status Record(const std::string& run_id, const Trigger& trigger, absl::Time accepted,
                      const std::string& idempotency_key);
  // Points `key` at an existing run (a duplicate); a key already there stays.
  absl::Status RememberKey(const std::string& key, const std::string& run_id);
  // The run a key led to, if any.
  absl::StatusOr<std::optional<std::string>> FindKey(const std::string& key) const;

  absl::Status MarkRunning(const std::string& run_id, absl::Time started);
  // `state` is kFinished or kInterrupted; a run the run store left open (its
  // process died mid-run) is closed there too with the same result.
  absl::Status MarkEnded(const std::string& run_id, const std::string& state,
                         const std::string& result, absl::Time ended);

  // Queued or running: what a previous process left unfinished. Oldest first.
  absl::StatusOr<std::vector<TriggerRecord>> Unfinished() const;
  absl::StatusOr<std::optional<TriggerRecord>> Get(const std::string& run_id) const;
  absl::StatusOr<int64_t> Count() const;

 private:
  struct PendingRecord;
  class Query;

  explicit TriggerStore(sqlite3* db) : db_(db) {}
  // Records the batch in one transaction, each trigger in its own savepoint,
  // and sets each one's status.
  void CommitLocked(const std::vector<PendingRecord*>& batch);
  absl::Status RecordOneLocked(const PendingRecord& record);
  absl::Status ExecLocked(const std::string& sql, const std::vector<std::string>& params);
  absl::StatusOr<std::vector<TriggerRecord>> SelectLocked(const std::string& where,
                                                          const std::string& param) const;

  mutable std::mutex mu_;  // the connection and its statements
  sqlite3* db_;
  // Prepared once per SQL text, reused: parsing SQL cost more than running it.
  mutable std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
  bool runs_table_seen_ = false;  // the run history's table, once it exists, stays

  std::mutex writers_mu_;
  std::deque<PendingRecord*> writers_;  // Record calls waiting; the front one commits
};

}  // namespace nvsx::serve
