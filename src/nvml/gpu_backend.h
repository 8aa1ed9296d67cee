#pragma once

// The interface every GPU source implements: the NVML binding on a real node
// and the simulated GPUs of the embedded cluster and tests.

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nvml/gpu_types.h"

namespace nvsx::nvml {

// Contract for implementations:
// - Enumerate and Sample may be called from one thread while another thread
//   blocks in WaitForXid; a backend is safe for that use.
// - GPU indexes are 0..Enumerate().size()-1 and stay fixed for the backend's
//   life; Sample of another index fails with kNotFound.
// - A GPU that stopped answering is not an error: Sample succeeds and says so
//   in GpuSample::unresponsive. Errors are for the backend itself failing.
class GpuBackend {
 public:
  virtual ~GpuBackend() = default;

  // The GPUs this backend sees, ordered by index.
  virtual absl::StatusOr<std::vector<GpuInfo>> Enumerate() = 0;

  // A fresh reading of GPU `index`.
  virtual absl::StatusOr<GpuSample> Sample(int index) = 0;

  // Blocks until a critical XID is reported on any GPU or `timeout` passes.
  // Returns the event, or nullopt on timeout. Every XID is delivered once, in
  // the order reported.
  virtual absl::StatusOr<std::optional<XidEvent>> WaitForXid(absl::Duration timeout) = 0;
};

}  // namespace nvsx::nvml
