#pragma once

// Simulated GPUs with fault injection, for the embedded cluster and tests.
// Same interface as the NVML binding; every fault is visible the way NVML
// would show it: through Sample() and, for XIDs, through WaitForXid().

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/clock.h"
#include "nvml/gpu_backend.h"

namespace nvsx::nvml {

struct SimGpuBackendOptions {
  // Seeds the GPUs' UUIDs: the same node name and index give the same UUID in
  // every run, different node names give different ones.
  std::string node_name = "sim-node";
  int gpu_count = 8;
  std::string model = "NVIDIA H100 80GB HBM3";
  uint64_t memory_total_bytes = 80ull << 30;
  int nvlinks_per_gpu = 18;
  int idle_temperature_c = 35;
  // Stamps XID events. Not owned; must outlive the backend. Required.
  const core::Clock* clock = nullptr;
};

// Faults that are not (only) an XID, by the names `nvsentinel sim inject
// --fault` takes.
enum class SimFault {
  kEcc,         // "ecc": double-bit ECC error, XID 48
  kNvlink,      // "nvlink": NVLink 0 down, XID 74
  kThermal,     // "thermal": hot, thermal slowdown throttling
  kDriverHang,  // "driver-hang": the GPU stops answering, no XID
  kInforom,     // "inforom": InfoROM corrupted
};

// "ecc" -> kEcc, ...; kInvalidArgument names the accepted values otherwise.
absl::StatusOr<SimFault> ParseSimFault(std::string_view name);
std::string_view SimFaultName(SimFault fault);

// The UUID GPU `index` of `node_name` gets ("GPU-8-4-4-4-12" hex digits).
std::string SimGpuUuid(std::string_view node_name, int index);

class SimGpuBackend final : public GpuBackend {
 public:
  explicit SimGpuBackend(SimGpuBackendOptions options);

  absl::StatusOr<std::vector<GpuInfo>> Enumerate() override;
  absl::StatusOr<GpuSample> Sample(int index) override;
  absl::StatusOr<std::optional<XidEvent>> WaitForXid(absl::Duration timeout) override;

  // Reports XID `xid` on GPU `index` (waking any WaitForXid at once) and
  // applies the state change that comes with it:
  //   79 fallen off the bus (unresponsive), 48/94/95 double-bit ECC counts,
  //   92 single-bit ECC counts, 63 row remap pending, 64 row remap failure,
  //   74 NVLink 0 down. Any other code is reported as an XID only.
  // Thread-safe. kNotFound for an unknown index.
  absl::Status InjectXid(int index, uint32_t xid);

  // Applies `fault` to GPU `index` (an XID too for kEcc and kNvlink).
  absl::Status InjectFault(int index, SimFault fault);

  // Heals GPU `index`: back to its fresh state, as after a reset or reboot.
  // Drops its XIDs not yet delivered. Aggregate ECC counts stay, as on a
  // real board.
  absl::Status Clear(int index);
  // Resets GPU `index`: healed as by Clear, and its next reading says it is
  // being reset (Unresponsive::kResetting), as NVML answers during a reset,
  // so a reader knows the faults it remembers are gone with it.
  absl::Status Reset(int index);

 private:
  struct SimGpu {
    GpuInfo info;
    GpuSample state;
    bool resetting = false;  // the next Sample reports kResetting
  };

  GpuSample FreshState(int index) const;
  absl::Status CheckIndex(int index) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void QueueXid(int index, uint32_t xid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SimGpuBackendOptions options_;
  absl::Mutex mu_;
  absl::CondVar xid_ready_;
  std::vector<SimGpu> gpus_ ABSL_GUARDED_BY(mu_);
  std::deque<XidEvent> xids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nvsx::nvml
