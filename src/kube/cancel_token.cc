#include "kube/cancel_token.h"

namespace nvsx::kube {

void CancelToken::Cancel() {
  std::lock_guard<std::mutex> guard(mu_);
  if (cancelled_) return;
  cancelled_ = true;
  for (auto& [id, wake] : wakers_) wake();
  cv_.notify_all();
}

bool CancelToken::cancelled() const {
  std::lock_guard<std::mutex> guard(mu_);
  return cancelled_;
}

uint64_t CancelToken::AddWaker(std::function<void()> wake) const {
  std::lock_guard<std::mutex> guard(mu_);
  if (cancelled_) wake();
  uint64_t id = next_id_++;
  wakers_.emplace(id, std::move(wake));
  return id;
}

void CancelToken::RemoveWaker(uint64_t id) const {
  std::lock_guard<std::mutex> guard(mu_);
  wakers_.erase(id);
}

bool CancelToken::WaitUntil(core::WaitableClock* clock, absl::Time deadline) const {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cancelled_ && clock->Now() < deadline) clock->WaitUntil(cv_, lock, deadline);
  return !cancelled_;
}

}  // namespace nvsx::kube
