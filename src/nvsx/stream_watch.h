#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/rest_client.h"
#include "nvsx/mongo_shell.h"
#include "nvsx/runbook.h"
#include "nvsx/watch_evaluation.h"

namespace nvsx::op {

// A watch clause answered from a stream instead of Kubernetes objects:
// container logs (log, training-log) or NVSentinel's MongoDB (mongo-event).
// It keeps what it has seen, and Verdict() judges the clause by it.
class StreamWatch {
 public:
  virtual ~StreamWatch() = default;
  // Starts reading, on threads of its own; returns once it reads, or with
  // the reason it could not begin before `deadline`.
  virtual absl::Status Start(absl::Time deadline) = 0;
  // Stops reading and joins its threads. Idempotent.
  virtual void Stop() = 0;
  virtual WatchVerdict Verdict() const = 0;
};

// What stream watches need besides their clause.
struct StreamWatchOptions {
  MongoShellOptions mongo;  // mongo-event: where the database is
  // mongo-event can only poll: one kubectl exec per interval (the original
  // polled every 2 s).
  absl::Duration mongo_poll_interval = absl::Seconds(2);
  // log: pods followed at once, each with its own connection.
  size_t max_followed_pods = 64;
};

// The stream watch for a log, training-log or mongo-event clause, not
// started. `on_change` runs, on one of its threads, whenever the verdict may
// have changed. `client` and `clock` must outlive it.
absl::StatusOr<std::unique_ptr<StreamWatch>> NewStreamWatch(
    const WatchClause& clause, const StreamWatchOptions& options, kube::RestClient* client,
    core::WaitableClock* clock, std::function<void()> on_change, core::Logger logger);

// Identity for sharing: clauses with equal keys read the same stream.
std::string StreamKey(const WatchClause& clause);

}  // namespace nvsx::op
