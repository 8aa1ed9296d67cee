#include "nvml/nvml_library.h"

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

}  // namespace

absl::StatusOr<std::unique_ptr<NvmlLibrary>> NvmlLibrary::Open(const std::string& path) {
  absl::StatusOr<std::unique_ptr<core::SharedLibrary>> shared = core::SharedLibrary::Open(path);
  if (!shared.ok()) {
    return absl::FailedPreconditionError(core::StrCat(
        "NVML was not found: ", shared.status().message(),
        ". Is the NVIDIA driver installed on this node? To run without GPUs, use --backend sim."));
  }
  std::unique_ptr<NvmlLibrary> library(new NvmlLibrary(std::move(*shared)));
  const core::SharedLibrary& so = *library->library_;
  NvmlFunctions& fn = library->fn_;
  std::string missing;
  so.Resolve("nvmlInit_v2", &fn.init, &missing);
  so.Resolve("nvmlShutdown", &fn.shutdown, &missing);
  so.Resolve("nvmlErrorString", &fn.error_string, &missing);
  so.Resolve("nvmlDeviceGetCount_v2", &fn.get_count, &missing);
  so.Resolve("nvmlDeviceGetHandleByIndex_v2", &fn.get_handle_by_index, &missing);
  so.Resolve("nvmlDeviceGetUUID", &fn.get_uuid, &missing);
  so.Resolve("nvmlDeviceGetName", &fn.get_name, &missing);
  so.Resolve("nvmlDeviceGetPciInfo_v3", &fn.get_pci_info, &missing);
  so.Resolve("nvmlDeviceGetMemoryInfo", &fn.get_memory_info, &missing);
  so.Resolve("nvmlDeviceGetTemperature", &fn.get_temperature, &missing);
  so.Resolve("nvmlDeviceGetTotalEccErrors", &fn.get_total_ecc_errors, &missing);
  so.Resolve("nvmlDeviceGetRemappedRows", &fn.get_remapped_rows, &missing);
  so.Resolve("nvmlDeviceGetNvLinkState", &fn.get_nvlink_state, &missing);
  so.Resolve("nvmlDeviceGetCurrentClocksThrottleReasons", &fn.get_throttle_reasons, &missing);
  so.Resolve("nvmlDeviceGetCurrPcieLinkGeneration", &fn.get_pcie_generation, &missing);
  so.Resolve("nvmlDeviceGetCurrPcieLinkWidth", &fn.get_pcie_width, &missing);
  so.Resolve("nvmlDeviceValidateInforom", &fn.validate_inforom, &missing);
  so.Resolve("nvmlEventSetCreate", &fn.event_set_create, &missing);
  so.Resolve("nvmlDeviceRegisterEvents", &fn.register_events, &missing);
  so.Resolve("nvmlEventSetWait_v2", &fn.event_set_wait, &missing);
  so.Resolve("nvmlEventSetFree", &fn.event_set_free, &missing);
  if (!missing.empty()) {
    return absl::FailedPreconditionError(
        core::StrCat(path, " is not a usable NVML: it lacks ", missing,
                     " (driver too old?). To run without GPUs, use --backend sim."));
  }
  return library;
}

absl::Status NvmlLibrary::ToStatus(nvmlReturn_t result, const char* call) const {
  if (result == api::kSuccess) return absl::OkStatus();
  const char* text = fn_.error_string != nullptr ? fn_.error_string(result) : nullptr;
  return absl::Status(CodeFor(result), core::StrCat(call, ": ", text != nullptr ? text : "error ",
                                                    text != nullptr ? "" : std::to_string(result)));
}

}  // namespace nvsx::nvml
