#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "nvsx/serve/run_executor.h"
#include "nvsx/serve/serve_metrics.h"
#include "nvsx/serve/trigger_store.h"

namespace nvsx::serve {

struct DispatcherOptions {
  size_t max_concurrent_runs = 4;
  size_t max_queued = 10'000;  // beyond it, triggers are refused (ResourceExhausted)
  // Added to the nice value of the threads that carry out runs (and so of the
  // hooks they start): with the CPU contended, accepting triggers goes first
  // and the queue absorbs the runs. 0 leaves them as the process is.
  int run_niceness = 0;
};

struct Submission {
  std::string run_id;
  bool created = false;  // false: a duplicate, answered with the run it joins
};

// Turns accepted triggers into runs: one run per (runbook, node) at a time, at
// most max_concurrent_runs at once, the rest queued first in, first out (in
// the order they were recorded). Every new trigger is in the trigger store
// before Submit returns, and a duplicate is answered only once the run it
// joins is recorded. Submits record concurrently (the store commits them
// together), so the lock is never held across a write; only a trigger with an
// idempotency key reads the store under it, to look the key up.
class Dispatcher {
 public:
  // Every pointer must outlive the dispatcher; `metrics` may be null.
  // `new_run_id` makes ids unique within the store.
  Dispatcher(TriggerStore* store, RunExecutor* executor, const core::Clock* clock,
             DispatcherOptions options, std::function<std::string()> new_run_id,
             ServeMetrics* metrics);
  // Shuts down.
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Marks what an earlier process accepted but did not finish (it was killed)
  // as interrupted, and returns them. Nvsx does not re-run them: their hooks
  // may already have paged someone, and the fault they answered may be over;
  // the record says what happened and the sender can trigger again. Call
  // before Start().
  absl::StatusOr<std::vector<TriggerRecord>> InterruptLeftovers();

  // Starts the worker threads. Once.
  void Start();

  // A new run (recorded, queued), or the run this trigger duplicates: the
  // same idempotency key (when not empty) as an earlier trigger, or the same
  // runbook and node as a run queued or in progress. Unavailable once shutting
  // down; ResourceExhausted when the queue is full; Internal when the store
  // cannot record it.
  absl::StatusOr<Submission> Submit(const Trigger& trigger, const std::string& idempotency_key);

  // Refuses new triggers, marks queued ones interrupted, interrupts running
  // runs (each still runs its postmortem) and waits for them. Idempotent.
  void Shutdown();

  size_t queued() const;
  size_t running() const;

 private:
  // A (runbook, node) pair's run, queued or in progress; `recorded` is false
  // while its trigger is being written.
  struct ActiveRun {
    std::string run_id;
    bool recorded = false;
  };

  void Work();
  void UpdateGaugesLocked();

  TriggerStore* const store_;
  RunExecutor* const executor_;
  const core::Clock* const clock_;
  const DispatcherOptions options_;
  const std::function<std::string()> new_run_id_;
  ServeMetrics* const metrics_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable recorded_cv_;  // a trigger's write ended
  std::deque<AcceptedRun> queue_;
  std::map<std::string, ActiveRun> active_;  // by "runbook node"
  std::set<std::string> recording_keys_;     // idempotency keys of triggers being written
  size_t recording_ = 0;                     // triggers being written
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace nvsx::serve
