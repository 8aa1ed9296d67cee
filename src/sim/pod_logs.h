#pragma once

// What the simulated nodes' containers print, kept as a node keeps container
// logs and served by the API server (GET .../pods/NAME/log, pod_log_request.h).
// Each container instance has a bounded log: the oldest lines go once it holds
// max_lines or max_bytes, as a rotated log file loses them. The instance
// before a restart stays readable (?previous=true) until the next restart.
// A container may print a line on a schedule ("step N" every second) without
// anyone writing it: such lines are made when the log is read, so a large
// cluster costs nothing until someone looks. Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clock.h"

namespace nvsx::sim {

struct PodLogsOptions {
  size_t max_lines = 10'000;       // per container instance
  size_t max_bytes = 1024 * 1024;  // per container instance
};

struct LogLine {
  absl::Time time;
  std::string text;  // without the newline
};

// A line a running program prints every `every`, from `first` on; `text(n)`
// is the n-th (n = 1, 2, ...). Stops when the program stops (StopSchedule).
struct ScheduledLine {
  absl::Time first;
  absl::Duration every;
  std::function<std::string(int64_t n)> text;
};

// Names one pod; `uid` tells a pod from an earlier one of the same name.
struct PodLogKey {
  std::string namespace_name;
  std::string name;
  std::string uid;
};

class PodLogs {
 public:
  struct Instance;

  // Where a reader is in one container instance's log.
  struct Cursor {
    std::shared_ptr<Instance> instance;
    uint64_t next = 0;  // sequence number of the next line to read
  };

  // `clock` (for scheduled lines) must outlive it.
  PodLogs(const core::Clock* clock, PodLogsOptions options = {});
  PodLogs(const PodLogs&) = delete;
  PodLogs& operator=(const PodLogs&) = delete;

  // A new instance of `container` starts at `at`, printing `first_lines`
  // (a new pod uid drops the old pod's logs); the one before it, ended now,
  // becomes the previous one.
  void StartContainer(const PodLogKey& pod, const std::string& container, absl::Time at,
                      const std::vector<std::string>& first_lines = {},
                      std::optional<ScheduledLine> schedule = std::nullopt);
  // Appends `lines` to the running instance, after its scheduled lines due by
  // `at`. Ignored when the container has no instance.
  void Append(const PodLogKey& pod, const std::string& container, absl::Time at,
              const std::vector<std::string>& lines);
  // Its scheduled lines stop after those due by `at`, and it prints
  // `last_lines` (the program hung or died saying why).
  void StopSchedule(const PodLogKey& pod, const std::string& container, absl::Time at,
                    const std::vector<std::string>& last_lines);
  // The instance ended (its process exited); followers reach the end of it.
  void EndContainer(const PodLogKey& pod, const std::string& container);
  // The pod is gone: its logs too, and followers end.
  void RemovePod(const std::string& namespace_name, const std::string& name);

  // A cursor on the current (or previous) instance, at its first line no
  // older than `since`, then no more than `tail_lines` from its end.
  // NotFound when there is no such instance.
  absl::StatusOr<Cursor> Open(const PodLogKey& pod, const std::string& container, bool previous,
                              std::optional<int64_t> tail_lines, std::optional<absl::Time> since);
  // The lines after the cursor, waiting up to `wait` (real time) while there
  // are none and the instance runs. *ended is set when the instance has ended
  // and every line of it was read.
  std::vector<LogLine> Read(Cursor& cursor, absl::Duration wait, bool* ended);

  const core::Clock* clock() const { return clock_; }

 private:
  struct PodEntry {
    std::string uid;
    std::map<std::string, std::shared_ptr<Instance>> current;   // by container
    std::map<std::string, std::shared_ptr<Instance>> previous;  // by container
  };

  // The pod's entry for `pod.uid` (replacing an older pod's); mu_ held.
  PodEntry& EntryLocked(const PodLogKey& pod);
  Instance* RunningLocked(const PodLogKey& pod, const std::string& container);
  // Appends scheduled lines due by `until`.
  void CatchUpLocked(Instance& instance, absl::Time until);
  void PushLocked(Instance& instance, absl::Time at, std::string text);
  void EndLocked(Instance& instance);

  const core::Clock* const clock_;
  const PodLogsOptions options_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, PodEntry> pods_;  // by "namespace/name"
};

}  // namespace nvsx::sim
