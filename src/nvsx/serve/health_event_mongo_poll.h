#pragma once

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/rest_client.h"
#include "nvsx/mongo_shell.h"
#include "nvsx/periodic_task.h"
#include "nvsx/runbook.h"
#include "nvsx/serve/dispatcher.h"

namespace nvsx::serve {

struct MongoPollOptions {
  op::MongoShellOptions shell;  // where the database is, how kubectl reaches it
  std::string collection = "HealthEvents";
  // A database behind kubectl exec cannot be watched: one query per interval.
  absl::Duration interval = absl::Seconds(10);
  // At start, documents this recent count as new (those fired before a
  // restart are not fired again).
  absl::Duration lookback = absl::Minutes(15);
  int page = 100;  // documents per query
};

// `nvsx serve --mode watch --source mongodb`, for NVSentinel installs that
// still keep HealthEvents in MongoDB: reads the collection's new documents in
// ObjectId order every interval, and fires the runbook MatchRunbook picks for
// each fatal one (FatalFaultOfDocument), once: the idempotency key
// "mongodb/ID" is kept in the trigger store, across restarts too. Each query
// reads again a few seconds before the newest document seen, since ObjectIds
// from different writers within a second are not in insertion order.
class MongoHealthEventPoll {
 public:
  // `client` (finds the MongoDB pod; may be null when the options name it),
  // `clock` and `dispatcher` must outlive this.
  MongoHealthEventPoll(MongoPollOptions options, kube::RestClient* client,
                       core::WaitableClock* clock, Dispatcher* dispatcher,
                       std::vector<op::Runbook> runbooks, core::Logger logger);
  ~MongoHealthEventPoll();

  // Polls at once, then every interval, on a thread.
  void Start();
  void Stop();
  // True once a poll has read the collection.
  bool HasSynced() const { return synced_; }

 private:
  void Poll(const kube::CancelToken& cancel);
  absl::Status PollOnce(const kube::CancelToken& cancel);

  const MongoPollOptions options_;
  Dispatcher* const dispatcher_;
  const std::vector<op::Runbook> runbooks_;
  core::Logger logger_;
  op::MongoShell shell_;
  std::atomic<bool> synced_{false};

  // Poll thread only.
  absl::Time newest_;              // when the newest document seen was created
  std::set<std::string> handled_;  // ids seen within the re-read window

  op::PeriodicTask poller_;  // last: its thread stops before the rest goes
};

}  // namespace nvsx::serve
