#include "nvsx/periodic_task.h"

#include <utility>

namespace nvsx::op {

PeriodicTask::PeriodicTask(core::WaitableClock* clock, absl::Duration interval,
                           std::function<void(const kube::CancelToken&)> tick)
    : clock_(clock), interval_(interval), tick_(std::move(tick)) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Start() {
  if (thread_.joinable() || cancel_.cancelled()) return;
  thread_ = std::thread([this] {
    do {
      tick_(cancel_);
    } while (cancel_.WaitUntil(clock_, clock_->Now() + interval_));
  });
}

void PeriodicTask::Stop() {
  cancel_.Cancel();
  if (thread_.joinable()) thread_.join();
}

}  // namespace nvsx::op
