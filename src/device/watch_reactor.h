#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "device/gpu_cache.h"
#include "device/watch_broadcaster.h"
#include "device/watch_write_queue.h"
#include "nvidia/device/v1alpha1/gpu.grpc.pb.h"

namespace nvsx::device {

// One WatchGpus stream: an ADDED per GPU in the cache, then every change, one
// write in flight at a time. Ends with RESOURCE_EXHAUSTED when the client falls
// so far behind that its subscription overflows (it must re-list), and with the
// cancellation when the client leaves. Deletes itself when gRPC is done with it.
//
// Writes send each event's shared wire bytes (the method is registered raw).
// Exactly one party holds the write turn at a time: the thread that starts the
// next write, finishes the stream, or gives the turn back. Publishing takes a
// free turn and posts the write to `writes`; a finished write passes the turn
// straight on to the next one. No lock is taken per stream.
class WatchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  // Starts a watch, or a stream that ends at once with `refuse` when that is
  // not OK. All pointers must outlive the stream.
  static WatchReactor* Start(GpuCache* cache, WatchBroadcaster* broadcaster,
                             WatchWriteQueue* writes, const absl::Status& refuse);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  WatchReactor(WatchBroadcaster* broadcaster, WatchWriteQueue* writes)
      : broadcaster_(broadcaster), writes_(writes) {}
  // From the broadcaster: takes the turn if it is free and posts a write.
  void OnEvent();
  // Requires the turn: starts the next write or finishes the stream, keeping
  // the turn, or gives it back when there is nothing to send.
  void WriteNextOrRelease();
  GpuEvent NextEvent();

  // Once a thread gives the turn back, another may finish the stream and gRPC
  // may delete the reactor; what the giver still reads lives here, shared.
  struct Turn {
    std::atomic<bool> held{true};  // held from construction until the snapshot is queued
    std::atomic<bool> cancelled{false};
  };

  WatchBroadcaster* const broadcaster_;
  WatchWriteQueue* const writes_;
  std::shared_ptr<Subscription> subscription_;
  const std::shared_ptr<Turn> turn_ = std::make_shared<Turn>();
  // Only the turn's holder touches these.
  std::vector<GpuEvent> initial_;
  size_t initial_sent_ = 0;
  GpuEvent in_flight_;
};

}  // namespace nvsx::device
