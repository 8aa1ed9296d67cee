#include "kube/work_queue.h"

#include <algorithm>
#include <cmath>

namespace nvsx::kube {

WorkQueue::WorkQueue(core::WaitableClock* clock, WorkQueueOptions options)
    : clock_(clock), options_(options) {}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.contains(key)) return;
  dirty_.insert(key);
  if (processing_.contains(key)) return;  // re-queued by Done
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> guard(mu_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, absl::Duration delay) {
  std::lock_guard<std::mutex> guard(mu_);
  if (shutting_down_) return;
  if (delay <= absl::ZeroDuration()) {
    AddLocked(key);
    return;
  }
  absl::Time ready = clock_->Now() + delay;
  auto it = waiting_.find(key);
  if (it != waiting_.end() && it->second <= ready) return;
  waiting_[key] = ready;
  delayed_.push(Delayed{ready, key});  // a stale later entry is skipped when promoted
  cv_.notify_all();                    // the earliest deadline may have moved
}

absl::Duration WorkQueue::BackoffFor(int failures) const {
  double seconds = absl::ToDoubleSeconds(options_.failure_base) * std::pow(2.0, failures);
  return absl::Seconds(std::min(seconds, absl::ToDoubleSeconds(options_.failure_max)));
}

void WorkQueue::AddRateLimited(const std::string& key) {
  int failures;
  {
    std::lock_guard<std::mutex> guard(mu_);
    failures = failures_[key]++;
  }
  AddAfter(key, BackoffFor(failures));
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> guard(mu_);
  failures_.erase(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::PromoteDueLocked(absl::Time now) {
  while (!delayed_.empty() && delayed_.top().ready <= now) {
    Delayed item = delayed_.top();
    delayed_.pop();
    auto it = waiting_.find(item.key);
    if (it == waiting_.end() || it->second != item.ready) continue;  // superseded
    waiting_.erase(it);
    AddLocked(item.key);
  }
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    PromoteDueLocked(clock_->Now());
    if (!queue_.empty()) break;
    if (shutting_down_) return std::nullopt;
    absl::Time deadline = delayed_.empty() ? absl::InfiniteFuture() : delayed_.top().ready;
    clock_->WaitUntil(cv_, lock, deadline);
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> guard(mu_);
  processing_.erase(key);
  if (dirty_.contains(key)) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> guard(mu_);
  shutting_down_ = true;
  delayed_ = {};
  waiting_.clear();
  cv_.notify_all();
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard<std::mutex> guard(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() {
  std::lock_guard<std::mutex> guard(mu_);
  PromoteDueLocked(clock_->Now());
  return queue_.size();
}

}  // namespace nvsx::kube
