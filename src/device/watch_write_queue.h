#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nvsx::device {

// Where watch streams start their writes, so that publishing a change (under
// the cache's write lock) only marks streams ready and never waits on a socket.
// Posted tasks run on a thread of its own, and on any thread that calls
// RunPending(): the RPC that made a change runs the writes it caused before it
// answers, so a writer that outpaces the watchers is slowed instead of the
// watchers falling behind. Tasks posted while a batch runs are taken together
// as the next batch, with one wake-up.
class WatchWriteQueue {
 public:
  WatchWriteQueue();
  // Runs what is already posted, then stops the thread.
  ~WatchWriteQueue();

  void Post(std::function<void()> task);
  // Runs posted tasks on the calling thread until none is left, then waits
  // for those the queue's own thread is running: on return, everything posted
  // before the call has run.
  void RunPending();

 private:
  void Run();
  // Requires mu_ held through `lock` and pending_ not empty.
  void RunBatch(std::unique_lock<std::mutex>& lock);

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable batch_done_;
  std::vector<std::function<void()>> pending_;
  int running_batches_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace nvsx::device
