#include "device/watch_write_queue.h"

namespace nvsx::device {

WatchWriteQueue::WatchWriteQueue() : thread_([this] { Run(); }) {}

WatchWriteQueue::~WatchWriteQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WatchWriteQueue::Post(std::function<void()> task) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // A running batch takes this up when it ends; only idle needs waking.
    wake = pending_.empty() && running_batches_ == 0;
    pending_.push_back(std::move(task));
  }
  if (wake) wake_.notify_one();
}

void WatchWriteQueue::RunPending() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    while (!pending_.empty()) RunBatch(lock);
    if (running_batches_ == 0) return;
    batch_done_.wait(lock, [this] { return !pending_.empty() || running_batches_ == 0; });
  }
}

void WatchWriteQueue::RunBatch(std::unique_lock<std::mutex>& lock) {
  std::vector<std::function<void()>> batch;
  batch.swap(pending_);
  ++running_batches_;
  lock.unlock();
  for (auto& task : batch) task();
  batch.clear();
  lock.lock();
  --running_batches_;
  if (pending_.empty()) pending_.swap(batch);  // keep the capacity for the next batch
  batch_done_.notify_all();
}

void WatchWriteQueue::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, with nothing left to run
    RunBatch(lock);
  }
}

}  // namespace nvsx::device
