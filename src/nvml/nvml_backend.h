#pragma once

// GpuBackend over the real NVML, loaded with dlopen at run time so that the
// build needs neither the driver nor the CUDA toolkit.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "nvml/gpu_backend.h"
#include "nvml/nvml_library.h"

namespace nvsx::nvml {

struct NvmlBackendOptions {
  // What dlopen() is given; tests point it at a fake library.
  std::string library_path = "libnvidia-ml.so.1";
  // Stamps XID events. Not owned; must outlive the backend. Required.
  const core::Clock* clock = nullptr;
};

class NvmlBackend final : public GpuBackend {
 public:
  // Loads NVML, initialises it, reads every GPU's identity and subscribes to
  // XID critical-error events on every GPU that supports them.
  // kFailedPrecondition when NVML is missing or unusable (the message names
  // `--backend sim`); NVML's own error, mapped to a code, when a step fails.
  static absl::StatusOr<std::unique_ptr<NvmlBackend>> Create(const NvmlBackendOptions& options);

  // Frees the event set and shuts NVML down.
  ~NvmlBackend() override;

  absl::StatusOr<std::vector<GpuInfo>> Enumerate() override;

  // A GPU that answers NVML_ERROR_GPU_IS_LOST is reported fallen off the bus,
  // one that answers NVML_ERROR_TIMEOUT hung; readings the GPU does not
  // support are left empty. Other NVML errors are returned.
  absl::StatusOr<GpuSample> Sample(int index) override;

  // nvmlEventSetWait_v2 on the XID event set. kUnavailable when NVML reports
  // a GPU lost while waiting (Sample then tells which).
  absl::StatusOr<std::optional<XidEvent>> WaitForXid(absl::Duration timeout) override;

 private:
  NvmlBackend(const NvmlBackendOptions& options, std::unique_ptr<NvmlLibrary> library);

  absl::Status Initialize();

  const core::Clock* clock_;
  std::unique_ptr<NvmlLibrary> library_;
  bool initialized_ = false;
  nvmlEventSet_t events_ = nullptr;
  // Fixed after Create; read concurrently without a lock.
  std::vector<nvmlDevice_t> devices_;
  std::vector<GpuInfo> infos_;
};

}  // namespace nvsx::nvml
