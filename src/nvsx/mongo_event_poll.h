#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "nvsx/mongo_shell.h"
#include "nvsx/periodic_task.h"
#include "nvsx/stream_watch.h"

namespace nvsx::op {

// A mongo-event clause: counts the documents of a collection that match a
// filter in NVSentinel's legacy MongoDB, every `interval` (a database behind
// kubectl exec cannot be watched), and holds once the count is above zero,
// as the original's did. The first count is made as soon as Start returns,
// on the poll thread.
class MongoEventPoll final : public StreamWatch {
 public:
  // `clock` must outlive it.
  MongoEventPoll(std::unique_ptr<MongoShell> shell, std::string collection, std::string filter,
                 absl::Duration interval, core::WaitableClock* clock,
                 std::function<void()> on_change);
  ~MongoEventPoll() override;

  absl::Status Start(absl::Time deadline) override;
  void Stop() override;
  WatchVerdict Verdict() const override;

 private:
  void Poll();

  const std::unique_ptr<MongoShell> shell_;
  const std::string collection_;
  const std::string filter_;
  const std::function<void()> on_change_;

  mutable std::mutex mu_;
  std::optional<absl::StatusOr<int64_t>> last_;  // the latest count, once there is one

  PeriodicTask poller_;  // last: its thread stops before the rest goes
};

}  // namespace nvsx::op
