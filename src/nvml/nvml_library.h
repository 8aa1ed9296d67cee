#pragma once

// libnvidia-ml loaded at run time: the shared object and the functions we use,
// looked up by name. Knows nothing of GPUs beyond the symbols.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/shared_library.h"
#include "nvml/nvml_api.h"

namespace nvsx::nvml {

struct NvmlFunctions {
  api::InitFn init = nullptr;  // nvmlInit_v2
  api::ShutdownFn shutdown = nullptr;
  api::ErrorStringFn error_string = nullptr;
  api::DeviceGetCountFn get_count = nullptr;                    // nvmlDeviceGetCount_v2
  api::DeviceGetHandleByIndexFn get_handle_by_index = nullptr;  // ..._v2
  api::DeviceGetStringFn get_uuid = nullptr;
  api::DeviceGetStringFn get_name = nullptr;
  api::DeviceGetPciInfoFn get_pci_info = nullptr;  // nvmlDeviceGetPciInfo_v3
  api::DeviceGetMemoryInfoFn get_memory_info = nullptr;
  api::DeviceGetTemperatureFn get_temperature = nullptr;
  api::DeviceGetTotalEccErrorsFn get_total_ecc_errors = nullptr;
  api::DeviceGetRemappedRowsFn get_remapped_rows = nullptr;
  api::DeviceGetNvLinkStateFn get_nvlink_state = nullptr;
  api::DeviceGetThrottleReasonsFn get_throttle_reasons = nullptr;
  api::DeviceGetUintFn get_pcie_generation = nullptr;
  api::DeviceGetUintFn get_pcie_width = nullptr;
  api::DeviceValidateInforomFn validate_inforom = nullptr;
  api::EventSetCreateFn event_set_create = nullptr;
  api::DeviceRegisterEventsFn register_events = nullptr;
  api::EventSetWaitFn event_set_wait = nullptr;  // nvmlEventSetWait_v2
  api::EventSetFreeFn event_set_free = nullptr;
};

// An open libnvidia-ml with every function of NvmlFunctions resolved.
// Closes the library when destroyed; the functions must not be called after
// that.
class NvmlLibrary {
 public:
  // dlopen()s `path` (a file name is searched the way the dynamic loader
  // searches). kFailedPrecondition when it cannot be opened (message says NVML
  // was not found and that `--backend sim` exists) or lacks a symbol.
  static absl::StatusOr<std::unique_ptr<NvmlLibrary>> Open(const std::string& path);

  const NvmlFunctions& fn() const { return fn_; }

  // An absl::Status for NVML's `result` of `call` ("nvmlInit_v2: <NVML's
  // text>"), with a code that fits (kUnavailable for a lost GPU, ...). OK for
  // NVML_SUCCESS.
  absl::Status ToStatus(nvmlReturn_t result, const char* call) const;

 private:
  explicit NvmlLibrary(std::unique_ptr<core::SharedLibrary> library)
      : library_(std::move(library)) {}

  std::unique_ptr<core::SharedLibrary> library_;
  NvmlFunctions fn_;
};

}  // namespace nvsx::nvml
