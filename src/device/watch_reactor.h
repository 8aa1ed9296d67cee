#pragma once

#include <deque>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "device/gpu_cache.h"
#include "device/watch_broadcaster.h"
#include "nvidia/device/v1alpha1/gpu.grpc.pb.h"

namespace nvsx::device {

// One WatchGpus stream: an ADDED per GPU in the cache, then every change, one
// write in flight at a time. Ends with RESOURCE_EXHAUSTED when the client falls
// so far behind that its queue overflows (it must re-list), and with the
// cancellation when the client leaves. Deletes itself when gRPC is done with it.
class WatchReactor final : public grpc::ServerWriteReactor<v1::WatchGpusResponse> {
 public:
  // Starts a watch, or a stream that ends at once with `refuse` when that is not OK.
  static WatchReactor* Start(grpc::CallbackServerContext* context, GpuCache* cache,
                             WatchBroadcaster* broadcaster, const absl::Status& refuse);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  explicit WatchReactor(WatchBroadcaster* broadcaster) : broadcaster_(broadcaster) {}
  void MaybeWrite();
  // Requires mu_ held and no write in flight.
  void FinishLocked(std::unique_lock<std::mutex>& lock, const grpc::Status& status);

  WatchBroadcaster* const broadcaster_;
  std::shared_ptr<Subscription> subscription_;
  std::mutex mu_;
  std::deque<GpuEvent> initial_;
  GpuEvent in_flight_;
  bool started_ = false;
  bool writing_ = false;
  bool finished_ = false;
  bool cancelled_ = false;
};

}  // namespace nvsx::device
