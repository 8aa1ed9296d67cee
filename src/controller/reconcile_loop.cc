#include "controller/reconcile_loop.h"

#include <algorithm>

#include "kube/api_error.h"

namespace nvsx::controller {

ReconcileLoop::ReconcileLoop(core::WaitableClock* clock, ReconcileLoopOptions options,
                             ReconcileFunc reconcile, core::Logger logger)
    : queue_(clock, options.queue),
      options_(options),
      reconcile_(std::move(reconcile)),
      logger_(std::move(logger)) {}

ReconcileLoop::~ReconcileLoop() { Stop(); }

void ReconcileLoop::Start() {
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
}

void ReconcileLoop::Stop() {
  queue_.ShutDown();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
}

ReconcileLoopStats ReconcileLoop::stats() const { return {reconciles_.load(), errors_.load()}; }

void ReconcileLoop::Work() {
  while (std::optional<std::string> key = queue_.Get()) {
    if (queue_.ShuttingDown()) {
      // Stopping: what is left is for the next leader (or the next start).
      queue_.Done(*key);
      continue;
    }
    absl::StatusOr<ReconcileResult> result = reconcile_(*key);
    reconciles_.fetch_add(1);
    if (!result.ok()) {
      errors_.fetch_add(1);
      // A conflict means the cache was behind a write: routine, retried at once.
      logger_.Log(kube::apierrors::IsConflict(result.status()) ? core::LogLevel::kDebug
                                                               : core::LogLevel::kWarn,
                  "reconcile failed; retrying with backoff",
                  {{"key", *key},
                   {"error", std::string(result.status().message())},
                   {"retries", queue_.NumRequeues(*key)}});
      queue_.AddRateLimited(*key);
    } else {
      if (result->backoff) {
        queue_.AddRateLimited(*key);
      } else {
        queue_.Forget(*key);
      }
      if (result->requeue_after) queue_.AddAfter(*key, *result->requeue_after);
    }
    queue_.Done(*key);
  }
}

}  // namespace nvsx::controller
