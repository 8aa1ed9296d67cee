#include "sim/state_file.h"

#include <sqlite3.h>

#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

constexpr char kSchema[] = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS objects (
  group_resource TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL,
  resource_version INTEGER NOT NULL, PRIMARY KEY (group_resource, key));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
)sql";

// The counter also moves on deletes, which leave no row behind.
constexpr char kBumpVersion[] =
    "INSERT INTO counters (name, value) VALUES ('resourceVersion', ?1) "
    "ON CONFLICT (name) DO UPDATE SET value = max(value, ?1)";

absl::Status Error(sqlite3* db, const std::filesystem::path& path, std::string_view what) {
  return absl::UnavailableError(
      core::StrCat("--state ", path.string(), ": ", what, ": ", sqlite3_errmsg(db)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<StateFile>> StateFile::Open(const std::filesystem::path& file) {
  std::error_code error;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), error);
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
    absl::Status status = Error(db, file, "cannot open it");
    sqlite3_close(db);
    return status;
  }
  std::unique_ptr<StateFile> state(new StateFile(file, db));
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Error(db, file, "cannot set it up (is it a sim state file?)");
  }
  const bool prepared =
      sqlite3_prepare_v2(db,
                         "INSERT INTO objects (group_resource, key, body, resource_version) "
                         "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (group_resource, key) DO UPDATE "
                         "SET body = ?3, resource_version = ?4",
                         -1, &state->put_, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "DELETE FROM objects WHERE group_resource = ?1 AND key = ?2", -1,
                         &state->remove_, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, kBumpVersion, -1, &state->version_, nullptr) == SQLITE_OK;
  if (!prepared) return Error(db, file, "cannot prepare its statements");
  return state;
}

StateFile::StateFile(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}

StateFile::~StateFile() {
  sqlite3_finalize(put_);
  sqlite3_finalize(remove_);
  sqlite3_finalize(version_);
  sqlite3_close(db_);
}

absl::StatusOr<StateFile::Contents> StateFile::Load() {
  std::lock_guard<std::mutex> lock(mu_);
  Contents contents;
  sqlite3_stmt* rows = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT group_resource, key, body, resource_version FROM objects "
                         "UNION ALL SELECT '', '', '', value FROM counters "
                         "WHERE name = 'resourceVersion'",
                         -1, &rows, nullptr) != SQLITE_OK) {
    return Error(db_, path_, "cannot read it");
  }
  int result;
  while ((result = sqlite3_step(rows)) == SQLITE_ROW) {
    auto text = [&](int column) {
      const unsigned char* value = sqlite3_column_text(rows, column);
      return value == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(value));
    };
    contents.resource_version =
        std::max<int64_t>(contents.resource_version, sqlite3_column_int64(rows, 3));
    if (!text(0).empty()) contents.objects.push_back({text(0), text(1), text(2)});
  }
  sqlite3_finalize(rows);
  if (result != SQLITE_DONE) return Error(db_, path_, "cannot read it");
  return contents;
}

void StateFile::Step(sqlite3_stmt* statement, std::string_view what) {
  if (sqlite3_step(statement) != SQLITE_DONE && health_.ok()) {
    health_ = Error(db_, path_, what);
  }
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
}

void StateFile::Put(const SavedObject& object, int64_t resource_version) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3_bind_text(put_, 1, object.group_resource.data(),
                    static_cast<int>(object.group_resource.size()), SQLITE_STATIC);
  sqlite3_bind_text(put_, 2, object.key.data(), static_cast<int>(object.key.size()), SQLITE_STATIC);
  sqlite3_bind_text(put_, 3, object.text.data(), static_cast<int>(object.text.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(put_, 4, resource_version);
  Step(put_, "cannot save an object");
}

void StateFile::Remove(const std::string& group_resource, const std::string& key,
                       int64_t resource_version) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_bind_text(remove_, 1, group_resource.data(), static_cast<int>(group_resource.size()),
                    SQLITE_STATIC);
  sqlite3_bind_text(remove_, 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  Step(remove_, "cannot remove an object");
  sqlite3_bind_int64(version_, 1, resource_version);
  Step(version_, "cannot save the resourceVersion");
  sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
}

absl::Status StateFile::health() {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

absl::Status StateFile::Checkpoint() {
  std::lock_guard<std::mutex> lock(mu_);
  if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr) !=
      SQLITE_OK) {
    return Error(db_, path_, "cannot checkpoint it");
  }
  return health_;
}

}  // namespace nvsx::sim
