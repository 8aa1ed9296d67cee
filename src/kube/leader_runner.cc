#include "kube/leader_runner.h"

#include <thread>

#include "core/str_cat.h"

namespace nvsx::kube {

LeaderRunner::LeaderRunner(kube::RestClient* client, core::WaitableClock* clock,
                           LeaderRunnerOptions options, TaskFactory make_task, core::Logger logger)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      make_task_(std::move(make_task)),
      logger_(std::move(logger)) {
  if (options_.leader_elect) {
    elector_ = std::make_unique<kube::LeaderElector>(client_, clock_, options_.election,
                                                     logger_.With({{"component", "election"}}));
  }
}

LeaderRunner::~LeaderRunner() { Stop(); }

void LeaderRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

bool LeaderRunner::Leading() const {
  std::lock_guard<std::mutex> lock(mu_);
  return task_ != nullptr;
}

void LeaderRunner::WithTask(const std::function<void(LeaderTask&)>& visit) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (task_) visit(*task_);
}

absl::Status LeaderRunner::Lead() {
  std::unique_ptr<LeaderTask> task = make_task_();
  absl::Status started = task->Start();
  std::unique_lock<std::mutex> lock(mu_);
  task_ = std::move(task);
  if (started.ok()) cv_.wait(lock, [&] { return stop_ || lost_; });
  std::unique_ptr<LeaderTask> ending = std::move(task_);
  lock.unlock();
  ending->Stop();
  return started;
}

absl::Status LeaderRunner::Run() {
  if (!elector_) return Lead();
  std::thread campaign([this] {
    elector_->Run(
        [this] {
          std::lock_guard<std::mutex> lock(mu_);
          leading_ = true;
          cv_.notify_all();
        },
        [this] {
          std::lock_guard<std::mutex> lock(mu_);
          lost_ = true;
          cv_.notify_all();
        });
  });
  absl::Status status;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return stop_ || leading_; });
    const bool lead = leading_ && !stop_;
    lock.unlock();
    if (lead) {
      logger_.Info("leading: starting", {{"lease", options_.election.lease_namespace + "/" +
                                                       options_.election.lease_name},
                                         {"identity", options_.election.identity}});
      status = Lead();
    }
  }
  bool lost = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    lost = lost_ && !stop_;
  }
  // Stopping the elector releases the Lease when held, so a standby takes over at once.
  elector_->Stop();
  campaign.join();
  if (status.ok() && lost) {
    return absl::AbortedError(core::StrCat("lost the Lease ", options_.election.lease_namespace,
                                           "/", options_.election.lease_name,
                                           "; exiting so this replica restarts as a standby"));
  }
  return status;
}

}  // namespace nvsx::kube
