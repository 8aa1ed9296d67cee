#include "nvsx/serve/dispatcher.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

#include "core/str_cat.h"

namespace nvsx::serve {
namespace {

// Node names cannot hold a space, so this never joins two different pairs.
std::string SlotOf(const Trigger& trigger) {
  return core::StrCat(trigger.runbook, " ", trigger.node);
}

}  // namespace

Dispatcher::Dispatcher(TriggerStore* store, RunExecutor* executor, const core::Clock* clock,
                       DispatcherOptions options, std::function<std::string()> new_run_id,
                       ServeMetrics* metrics)
    : store_(store),
      executor_(executor),
      clock_(clock),
      options_(options),
      new_run_id_(std::move(new_run_id)),
      metrics_(metrics) {}

Dispatcher::~Dispatcher() { Shutdown(); }

absl::StatusOr<std::vector<TriggerRecord>> Dispatcher::InterruptLeftovers() {
  absl::StatusOr<std::vector<TriggerRecord>> leftovers = store_->Unfinished();
  if (!leftovers.ok()) return leftovers.status();
  for (TriggerRecord& record : *leftovers) {
    if (absl::Status status =
            store_->MarkEnded(record.run_id, kInterrupted, "interrupted", clock_->Now());
        !status.ok()) {
      return status;
    }
    record.state = kInterrupted;
    record.result = "interrupted";
    if (metrics_ != nullptr) metrics_->CountRun("interrupted");
  }
  return leftovers;
}

void Dispatcher::Start() {
  std::lock_guard lock(mu_);
  if (!workers_.empty() || stopping_) return;
  const size_t count = options_.max_concurrent_runs == 0 ? 1 : options_.max_concurrent_runs;
  for (size_t i = 0; i < count; ++i) workers_.emplace_back([this] { Work(); });
}

absl::StatusOr<Submission> Dispatcher::Submit(const Trigger& trigger,
                                              const std::string& idempotency_key) {
  const std::string slot = SlotOf(trigger);
  std::unique_lock lock(mu_);
  // A duplicate of a trigger still being written waits for the write: it is
  // answered with a recorded run, or, if the write failed, becomes the first.
  recorded_cv_.wait(lock, [&] {
    if (stopping_) return true;
    if (!idempotency_key.empty() && recording_keys_.count(idempotency_key) > 0) return false;
    auto active = active_.find(slot);
    return active == active_.end() || active->second.recorded;
  });
  if (stopping_) return absl::UnavailableError("nvsx serve is shutting down; retry elsewhere");
  if (!idempotency_key.empty()) {
    absl::StatusOr<std::optional<std::string>> known = store_->FindKey(idempotency_key);
    if (!known.ok()) return known.status();
    if (known->has_value()) return Submission{**known, false};
  }
  if (auto active = active_.find(slot); active != active_.end()) {
    const std::string run_id = active->second.run_id;
    lock.unlock();
    if (!idempotency_key.empty()) {
      if (absl::Status status = store_->RememberKey(idempotency_key, run_id); !status.ok()) {
        return status;
      }
    }
    return Submission{run_id, false};
  }
  if (queue_.size() + recording_ >= options_.max_queued) {
    return absl::ResourceExhaustedError(core::StrCat(
        options_.max_queued, " triggers are already queued; retry later or raise --max-queued"));
  }
  AcceptedRun run{new_run_id_(), trigger};
  active_.emplace(slot, ActiveRun{run.run_id, false});
  if (!idempotency_key.empty()) recording_keys_.insert(idempotency_key);
  ++recording_;
  lock.unlock();
  const absl::Status recorded = store_->Record(run.run_id, trigger, clock_->Now(), idempotency_key);
  lock.lock();
  --recording_;
  if (!idempotency_key.empty()) recording_keys_.erase(idempotency_key);
  recorded_cv_.notify_all();
  if (!recorded.ok()) {
    active_.erase(slot);
    return recorded;
  }
  active_[slot].recorded = true;
  const std::string run_id = run.run_id;
  queue_.push_back(std::move(run));
  UpdateGaugesLocked();
  cv_.notify_one();
  return Submission{run_id, true};
}

void Dispatcher::Work() {
  if (options_.run_niceness != 0) {
    // Linux: a thread's nice value is its own; an error (no permission to
    // lower it) leaves runs at the process's priority.
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
    if (errno == 0) {
      ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), current + options_.run_niceness);
    }
  }
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to start
    AcceptedRun run = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    UpdateGaugesLocked();
    lock.unlock();

    const absl::Time started = clock_->Now();
    absl::Status status = store_->MarkRunning(run.run_id, started);
    const std::string result = status.ok() ? executor_->Execute(run) : "error";
    const absl::Time ended = clock_->Now();
    lock.lock();
    // The (runbook, node) pair is free before the end is recorded: whoever
    // sees the run ended and triggers again gets a new run, never this one.
    active_.erase(SlotOf(run.trigger));
    lock.unlock();
    // A failure to record the end leaves the trigger "running"; the next
    // start marks it interrupted, so it is still accounted for.
    store_->MarkEnded(run.run_id, kFinished, result, ended).IgnoreError();
    if (metrics_ != nullptr) {
      metrics_->CountRun(result);
      metrics_->ObserveRunDuration(ended - started);
    }

    lock.lock();
    --running_;
    UpdateGaugesLocked();
  }
}

void Dispatcher::Shutdown() {
  std::deque<AcceptedRun> dropped;
  std::vector<std::thread> workers;
  {
    std::unique_lock lock(mu_);
    if (stopping_ && workers_.empty() && recording_ == 0) return;
    stopping_ = true;
    recorded_cv_.notify_all();
    // Triggers being written are answered 202 once written: let them reach
    // the queue, so they are marked interrupted with the rest.
    recorded_cv_.wait(lock, [this] { return recording_ == 0; });
    dropped.swap(queue_);
    for (const AcceptedRun& run : dropped) active_.erase(SlotOf(run.trigger));
    workers.swap(workers_);
    UpdateGaugesLocked();
    cv_.notify_all();
  }
  for (const AcceptedRun& run : dropped) {
    store_->MarkEnded(run.run_id, kInterrupted, "interrupted", clock_->Now()).IgnoreError();
    if (metrics_ != nullptr) metrics_->CountRun("interrupted");
  }
  executor_->InterruptAll();
  for (std::thread& worker : workers) worker.join();
}

size_t Dispatcher::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t Dispatcher::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

void Dispatcher::UpdateGaugesLocked() {
  if (metrics_ == nullptr) return;
  metrics_->SetQueued(queue_.size());
  metrics_->SetRunning(running_);
}

}  // namespace nvsx::serve
