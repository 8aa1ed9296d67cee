#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/leader_elector.h"
#include "kube/rest_client.h"

namespace nvsx::kube {

// What runs while this replica leads: started when a term begins, stopped
// when it ends.
class LeaderTask {
 public:
  virtual ~LeaderTask() = default;
  virtual absl::Status Start() = 0;
  virtual void Stop() = 0;
};

struct LeaderRunnerOptions {
  // Off: run the task at once, alone (a single replica, or a test).
  bool leader_elect = true;
  kube::LeaderElectionConfig election;  // lease_name and identity required when electing
};

// Runs a LeaderTask on the replica that holds the Lease, as client-go
// controllers do: each term of leadership starts a fresh task from
// `make_task` (its caches list everything again, so it picks up exactly where
// the last leader stopped); a replica that loses the Lease stops its task and
// Run returns, so the process exits and restarts as a standby.
class LeaderRunner {
 public:
  using TaskFactory = std::function<std::unique_ptr<LeaderTask>()>;

  // `client` and `clock` must outlive the runner.
  LeaderRunner(kube::RestClient* client, core::WaitableClock* clock, LeaderRunnerOptions options,
               TaskFactory make_task, core::Logger logger);
  ~LeaderRunner();  // Stop()
  LeaderRunner(const LeaderRunner&) = delete;
  LeaderRunner& operator=(const LeaderRunner&) = delete;

  // Blocks until Stop() (OK), leadership is lost (Aborted), or the task
  // cannot start (its error).
  absl::Status Run();
  // Makes Run return; the Lease is released when held. Thread-safe, idempotent.
  void Stop();

  // Calls `visit` with the running task, under the runner's lock; not at all
  // on a standby.
  void WithTask(const std::function<void(LeaderTask&)>& visit) const;
  bool Leading() const;

 private:
  absl::Status Lead();

  kube::RestClient* const client_;
  core::WaitableClock* const clock_;
  const LeaderRunnerOptions options_;
  const TaskFactory make_task_;
  core::Logger logger_;
  std::unique_ptr<kube::LeaderElector> elector_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool leading_ = false;
  bool lost_ = false;
  std::unique_ptr<LeaderTask> task_;
};

}  // namespace nvsx::kube
