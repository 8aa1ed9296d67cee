#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/work_queue.h"

namespace nvsx::controller {

// What a reconcile asks of the loop once it has acted.
struct ReconcileResult {
  // Look again after this long (a deadline the decision depends on).
  std::optional<absl::Duration> requeue_after;
  // Look again after the key's exponential backoff (the world refused, e.g.
  // an eviction a PodDisruptionBudget blocked). Both may be set: the earlier wins.
  bool backoff = false;

  static ReconcileResult Done() { return {}; }
  static ReconcileResult After(absl::Duration delay) { return {delay, false}; }
  static ReconcileResult Backoff() { return {std::nullopt, true}; }
};

// Reconciles one key; an error requeues the key with backoff.
using ReconcileFunc = std::function<absl::StatusOr<ReconcileResult>(const std::string& key)>;

struct ReconcileLoopOptions {
  int workers = 4;
  kube::WorkQueueOptions queue{absl::Milliseconds(5), absl::Seconds(60)};
};

struct ReconcileLoopStats {
  uint64_t reconciles = 0;
  uint64_t errors = 0;
};

// The controller shape of sample-controller: event handlers Enqueue keys,
// `workers` threads pop them and call `reconcile`, which reads the current
// state and acts. A key is never reconciled by two workers at once.
class ReconcileLoop {
 public:
  // `clock` must outlive the loop.
  ReconcileLoop(core::WaitableClock* clock, ReconcileLoopOptions options, ReconcileFunc reconcile,
                core::Logger logger);
  ~ReconcileLoop();  // Stop()
  ReconcileLoop(const ReconcileLoop&) = delete;
  ReconcileLoop& operator=(const ReconcileLoop&) = delete;

  void Enqueue(const std::string& key) { queue_.Add(key); }
  void EnqueueAfter(const std::string& key, absl::Duration delay) { queue_.AddAfter(key, delay); }

  // Starts the workers. Once.
  void Start();
  // Shuts the queue down, lets reconciles in progress finish, joins. Idempotent.
  void Stop();

  ReconcileLoopStats stats() const;

 private:
  void Work();

  kube::WorkQueue queue_;
  const ReconcileLoopOptions options_;
  const ReconcileFunc reconcile_;
  core::Logger logger_;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> reconciles_{0};
  std::atomic<uint64_t> errors_{0};
};

}  // namespace nvsx::controller
