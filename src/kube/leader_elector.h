#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/rest_client.h"

namespace nvsx::kube {

struct LeaderElectionConfig {
  std::string lease_namespace = "nvsentinel";
  std::string lease_name;
  std::string identity;  // unique per replica, e.g. the pod name
  // client-go's defaults: a leader that cannot renew for renew_deadline steps
  // down; others take over once a lease is lease_duration old.
  absl::Duration lease_duration = absl::Seconds(15);
  absl::Duration renew_deadline = absl::Seconds(10);
  absl::Duration retry_period = absl::Seconds(2);
};

// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it:
// a candidate takes the lease when it is free or has not been renewed for
// lease_duration (measured on this process's clock from when the record last
// changed, so clock skew between nodes does not matter); the leader renews
// every retry_period and steps down when renewing fails for renew_deadline.
// On a clean stop the leader releases the lease so a standby takes over at once.
class LeaderElector {
 public:
  // `client` and `clock` must outlive the elector.
  LeaderElector(RestClient* client, core::WaitableClock* clock, LeaderElectionConfig config,
                core::Logger logger);

  // Campaigns until Stop(): calls on_started_leading when this replica becomes
  // leader and on_stopped_leading when it stops being leader (lost, or
  // released at Stop). Both run on the calling thread and must return quickly.
  void Run(const std::function<void()>& on_started_leading,
           const std::function<void()>& on_stopped_leading);
  // Makes Run return (releasing the lease when leading). Thread-safe.
  void Stop();

  bool IsLeader() const { return leading_.load(); }

 private:
  // One attempt; OK when this replica holds the lease afterwards.
  absl::Status TryAcquireOrRenew();
  absl::Status Release();
  void WaitRetryPeriod();

  RestClient* client_;
  core::WaitableClock* clock_;
  const LeaderElectionConfig config_;
  core::Logger logger_;
  std::atomic<bool> leading_{false};
  // The lease record as last seen and when this process first saw it.
  std::string observed_record_;
  absl::Time observed_at_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
};

}  // namespace nvsx::kube
