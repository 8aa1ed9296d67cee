#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "kube/cancel_token.h"
#include "nvsx/mongo_shell.h"
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
  void Loop();
  void Poll();

  const std::unique_ptr<MongoShell> shell_;
  const std::string collection_;
  const std::string filter_;
  const absl::Duration interval_;
  core::WaitableClock* const clock_;
  const std::function<void()> on_change_;
  kube::CancelToken cancel_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::optional<absl::StatusOr<int64_t>> last_;  // the latest count, once there is one
};

}  // namespace nvsx::op
