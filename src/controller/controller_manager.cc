#include "controller/controller_manager.h"

#include <thread>

#include "core/str_cat.h"

namespace nvsx::controller {

ControllerManager::ControllerManager(kube::RestClient* client, core::WaitableClock* clock,
                                     kube::EventRecorder* recorder, ControllerMetrics* metrics,
                                     ControllerManagerOptions options, core::Logger logger)
    : client_(client),
      clock_(clock),
      recorder_(recorder),
      metrics_(metrics),
      options_(std::move(options)),
      logger_(std::move(logger)) {
  if (options_.leader_elect) {
    elector_ = std::make_unique<kube::LeaderElector>(client_, clock_, options_.election,
                                                     logger_.With({{"component", "election"}}));
  }
}

ControllerManager::~ControllerManager() { Stop(); }

void ControllerManager::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

bool ControllerManager::Leading() const {
  std::lock_guard<std::mutex> lock(mu_);
  return controller_ != nullptr;
}

void ControllerManager::RefreshMetrics() {
  std::lock_guard<std::mutex> lock(mu_);
  if (controller_) controller_->RefreshMetrics();
}

uint64_t ControllerManager::evictions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return controller_ ? controller_->evictions() : 0;
}

absl::Status ControllerManager::Lead() {
  auto controller = std::make_unique<HealthEventController>(client_, clock_, recorder_, metrics_,
                                                            options_.controller, logger_);
  absl::Status started = controller->Start();
  std::unique_lock<std::mutex> lock(mu_);
  controller_ = std::move(controller);
  if (started.ok()) cv_.wait(lock, [&] { return stop_ || lost_; });
  std::unique_ptr<HealthEventController> ending = std::move(controller_);
  lock.unlock();
  ending->Stop();
  return started;
}

absl::Status ControllerManager::Run() {
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
      logger_.Info(
          "leading: starting the controller",
          {{"lease", options_.election.lease_namespace + "/" + options_.election.lease_name},
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

}  // namespace nvsx::controller
