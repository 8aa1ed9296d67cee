#include "nvsx/serve/dispatcher.h"

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
  std::lock_guard lock(mu_);
  if (stopping_) return absl::UnavailableError("nvsx serve is shutting down; retry elsewhere");
  if (!idempotency_key.empty()) {
    absl::StatusOr<std::optional<std::string>> known = store_->FindKey(idempotency_key);
    if (!known.ok()) return known.status();
    if (known->has_value()) return Submission{**known, false};
  }
  const std::string slot = SlotOf(trigger);
  if (auto active = active_.find(slot); active != active_.end()) {
    if (!idempotency_key.empty()) {
      if (absl::Status status = store_->RememberKey(idempotency_key, active->second);
          !status.ok()) {
        return status;
      }
    }
    return Submission{active->second, false};
  }
  if (queue_.size() >= options_.max_queued) {
    return absl::ResourceExhaustedError(core::StrCat(
        options_.max_queued, " triggers are already queued; retry later or raise --max-queued"));
  }
  AcceptedRun run{new_run_id_(), trigger};
  if (absl::Status status = store_->Record(run.run_id, trigger, clock_->Now(), idempotency_key);
      !status.ok()) {
    return status;
  }
  active_.emplace(slot, run.run_id);
  queue_.push_back(run);
  UpdateGaugesLocked();
  cv_.notify_one();
  return Submission{run.run_id, true};
}

void Dispatcher::Work() {
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
    std::lock_guard lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
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
