#pragma once

// `nvsentinel sim --state FILE`: the embedded cluster's objects in SQLite,
// so a restarted sim resumes with the same objects and its resourceVersions
// going on upwards. Every change is written through as it happens (WAL, no
// fsync per write: a crash may lose the last moments, never the file).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/object_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace nvsx::sim {

class StateFile final : public ObjectJournal {
 public:
  // Opens (creating) `file` and its folder. Unavailable when it cannot.
  static absl::StatusOr<std::unique_ptr<StateFile>> Open(const std::filesystem::path& file);
  ~StateFile() override;
  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;

  struct Contents {
    std::vector<SavedObject> objects;
    int64_t resource_version = 0;  // the last one handed out
  };
  absl::StatusOr<Contents> Load();

  void Put(const SavedObject& object, int64_t resource_version) override;
  void Remove(const std::string& group_resource, const std::string& key,
              int64_t resource_version) override;

  // The first write that failed (writes cannot fail the store's change), or OK.
  absl::Status health();
  // Folds the write-ahead log into the file, as a clean shutdown should.
  absl::Status Checkpoint();

  const std::filesystem::path& path() const { return path_; }

 private:
  StateFile(std::filesystem::path path, sqlite3* db);
  void Step(sqlite3_stmt* statement, std::string_view what);

  const std::filesystem::path path_;
  sqlite3* const db_;
  std::mutex mu_;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* remove_ = nullptr;
  sqlite3_stmt* version_ = nullptr;
  absl::Status health_;
};

}  // namespace nvsx::sim
