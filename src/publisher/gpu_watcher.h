#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include "core/clock.h"
#include "core/logger.h"
#include "kube/backoff.h"
#include "nvidia/device/v1alpha1/gpu.grpc.pb.h"

namespace nvsx::publisher {

// Follows the device API's GPUs: a WatchGpus stream whose first events list
// every GPU, re-opened with backoff whenever it ends or fails (the server
// dropped a slow watcher with RESOURCE_EXHAUSTED, is not ready yet with
// UNAVAILABLE, or restarted). Each GPU it sees, added or modified, goes to
// `on_gpu`; after a reconnect every GPU is seen again, so nothing missed
// while disconnected is lost. `stub` and `clock` must outlive it.
class GpuWatcher {
 public:
  using Handler = std::function<void(const ::nvidia::device::v1alpha1::Gpu&)>;

  GpuWatcher(::nvidia::device::v1alpha1::GpuService::StubInterface* stub,
             core::WaitableClock* clock, core::Logger logger, kube::Backoff backoff,
             kube::UniformRandom random, Handler on_gpu);

  // Watches until Stop(); call from one thread.
  void Run();
  // Ends Run: cancels the open stream and any backoff wait. Thread-safe.
  void Stop();

 private:
  // One stream, until it ends; true when it delivered at least one event.
  bool WatchOnce();

  ::nvidia::device::v1alpha1::GpuService::StubInterface* stub_;
  core::WaitableClock* clock_;
  core::Logger logger_;
  const kube::Backoff backoff_;
  kube::UniformRandom random_;
  Handler on_gpu_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  grpc::ClientContext* active_ = nullptr;  // the open stream's, under mu_
};

}  // namespace nvsx::publisher
