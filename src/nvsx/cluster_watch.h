#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/rest_client.h"
#include "nvsx/stream_watch.h"
#include "nvsx/watch_evaluation.h"
#include "nvsx/watch_source.h"

namespace nvsx::kube {
class Informer;
}  // namespace nvsx::kube

namespace nvsx::op {

// The live view of the cluster a run judges its watch clauses against: one
// Kubernetes informer (list, then watch) per distinct source, and one stream
// watch (followed container logs, a MongoDB poll) per distinct stream
// clause, kept open for the whole run, and a change counter the runner
// sleeps on. A stage passes within milliseconds of the change it waits for,
// at the cost of one connection per source instead of a kubectl process per
// poll.
class ClusterWatch {
 public:
  // `client` and `clock` must outlive it.
  ClusterWatch(kube::RestClient* client, core::WaitableClock* clock, core::Logger logger,
               StreamWatchOptions streams = {});
  ~ClusterWatch();
  ClusterWatch(const ClusterWatch&) = delete;
  ClusterWatch& operator=(const ClusterWatch&) = delete;

  // Starts watching each source not watched yet and waits until each has
  // listed, or `deadline` passes (then the error names the source).
  absl::Status Open(std::span<const WatchSource> sources, absl::Time deadline);

  // The version the server prefers for an API group ("v1alpha1"), for crd
  // clauses that name none.
  absl::StatusOr<std::string> PreferredVersion(const std::string& group);

  // The source's current objects (empty before Open).
  ObjectList Objects(const WatchSource& source) const;

  // Starts the stream a log, training-log or mongo-event clause reads, unless
  // an equal clause did; fails when it cannot begin before `deadline`.
  absl::Status OpenStream(const WatchClause& clause, absl::Time deadline);
  // The clause judged by what its stream has seen (not satisfied before OpenStream).
  WatchVerdict StreamVerdict(const WatchClause& clause) const;

  // Counts every change any source has seen.
  uint64_t generation() const;
  // Waits until generation() differs from `seen`, `deadline` passes or Wake()
  // is called; returns generation().
  uint64_t WaitForChange(uint64_t seen, absl::Time deadline);
  // Ends the current and the next WaitForChange at once (interrupts).
  void Wake();

  // Stops every informer and stream.
  void Close();

 private:
  void Changed();

  kube::RestClient* client_;
  core::WaitableClock* clock_;
  core::Logger logger_;
  const StreamWatchOptions stream_options_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  uint64_t generation_ = 0;
  bool woken_ = false;
  std::map<std::string, std::unique_ptr<kube::Informer>> informers_;  // by WatchSource::Key
  std::map<std::string, std::unique_ptr<StreamWatch>> streams_;       // by StreamKey
};

}  // namespace nvsx::op
