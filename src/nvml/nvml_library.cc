#include "nvml/nvml_library.h"

#include <dlfcn.h>

#include "core/str_cat.h"

namespace nvsx::nvml {
namespace {

absl::StatusCode CodeFor(nvmlReturn_t result) {
  switch (result) {
    case api::kErrorInvalidArgument:
      return absl::StatusCode::kInvalidArgument;
    case api::kErrorNotSupported:
      return absl::StatusCode::kUnimplemented;
    case api::kErrorNoPermission:
      return absl::StatusCode::kPermissionDenied;
    case api::kErrorNotFound:
      return absl::StatusCode::kNotFound;
    case api::kErrorUninitialized:
    case api::kErrorDriverNotLoaded:
    case api::kErrorLibraryNotFound:
    case api::kErrorFunctionNotFound:
      return absl::StatusCode::kFailedPrecondition;
    case api::kErrorTimeout:
      return absl::StatusCode::kDeadlineExceeded;
    case api::kErrorGpuIsLost:
      return absl::StatusCode::kUnavailable;
    case api::kErrorCorruptedInforom:
      return absl::StatusCode::kDataLoss;
    default:
      return absl::StatusCode::kInternal;
  }
}

// Resolves `name` into `*slot`; false (and `*missing` = name) if absent.
template <typename Fn>
bool Resolve(void* handle, const char* name, Fn* slot, std::string* missing) {
  *slot = reinterpret_cast<Fn>(dlsym(handle, name));
  if (*slot == nullptr && missing->empty()) *missing = name;
  return *slot != nullptr;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NvmlLibrary>> NvmlLibrary::Open(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return absl::FailedPreconditionError(core::StrCat(
        "NVML was not found: cannot load ", path, " (", error != nullptr ? error : "unknown error",
        "). Is the NVIDIA driver installed on this node? To run without GPUs, use --backend sim."));
  }
  std::unique_ptr<NvmlLibrary> library(new NvmlLibrary(handle));
  NvmlFunctions& fn = library->fn_;
  std::string missing;
  Resolve(handle, "nvmlInit_v2", &fn.init, &missing);
  Resolve(handle, "nvmlShutdown", &fn.shutdown, &missing);
  Resolve(handle, "nvmlErrorString", &fn.error_string, &missing);
  Resolve(handle, "nvmlDeviceGetCount_v2", &fn.get_count, &missing);
  Resolve(handle, "nvmlDeviceGetHandleByIndex_v2", &fn.get_handle_by_index, &missing);
  Resolve(handle, "nvmlDeviceGetUUID", &fn.get_uuid, &missing);
  Resolve(handle, "nvmlDeviceGetName", &fn.get_name, &missing);
  Resolve(handle, "nvmlDeviceGetPciInfo_v3", &fn.get_pci_info, &missing);
  Resolve(handle, "nvmlDeviceGetMemoryInfo", &fn.get_memory_info, &missing);
  Resolve(handle, "nvmlDeviceGetTemperature", &fn.get_temperature, &missing);
  Resolve(handle, "nvmlDeviceGetTotalEccErrors", &fn.get_total_ecc_errors, &missing);
  Resolve(handle, "nvmlDeviceGetRemappedRows", &fn.get_remapped_rows, &missing);
  Resolve(handle, "nvmlDeviceGetNvLinkState", &fn.get_nvlink_state, &missing);
  Resolve(handle, "nvmlDeviceGetCurrentClocksThrottleReasons", &fn.get_throttle_reasons, &missing);
  Resolve(handle, "nvmlDeviceGetCurrPcieLinkGeneration", &fn.get_pcie_generation, &missing);
  Resolve(handle, "nvmlDeviceGetCurrPcieLinkWidth", &fn.get_pcie_width, &missing);
  Resolve(handle, "nvmlDeviceValidateInforom", &fn.validate_inforom, &missing);
  Resolve(handle, "nvmlEventSetCreate", &fn.event_set_create, &missing);
  Resolve(handle, "nvmlDeviceRegisterEvents", &fn.register_events, &missing);
  Resolve(handle, "nvmlEventSetWait_v2", &fn.event_set_wait, &missing);
  Resolve(handle, "nvmlEventSetFree", &fn.event_set_free, &missing);
  if (!missing.empty()) {
    return absl::FailedPreconditionError(
        core::StrCat(path, " is not a usable NVML: it lacks ", missing,
                     " (driver too old?). To run without GPUs, use --backend sim."));
  }
  return library;
}

NvmlLibrary::~NvmlLibrary() { dlclose(handle_); }

absl::Status NvmlLibrary::ToStatus(nvmlReturn_t result, const char* call) const {
  if (result == api::kSuccess) return absl::OkStatus();
  const char* text = fn_.error_string != nullptr ? fn_.error_string(result) : nullptr;
  return absl::Status(CodeFor(result), core::StrCat(call, ": ", text != nullptr ? text : "error ",
                                                    text != nullptr ? "" : std::to_string(result)));
}

}  // namespace nvsx::nvml
