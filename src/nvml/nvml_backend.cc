#include "nvml/nvml_backend.h"

#include <algorithm>
#include <climits>
#include <utility>

#include "core/status_macros.h"
#include "core/str_cat.h"
#include "nvml/throttle_reasons.h"

namespace nvsx::nvml {
namespace {

// What a query result means for a sample.
enum class Outcome { kOk, kUnsupported, kLost, kHung, kError };

Outcome Classify(nvmlReturn_t result) {
  switch (result) {
    case api::kSuccess:
      return Outcome::kOk;
    case api::kErrorNotSupported:
    case api::kErrorNoPermission:
    case api::kErrorInvalidArgument:
      return Outcome::kUnsupported;
    case api::kErrorGpuIsLost:
      return Outcome::kLost;
    case api::kErrorTimeout:
      return Outcome::kHung;
    default:
      return Outcome::kError;
  }
}

}  // namespace

NvmlBackend::NvmlBackend(const NvmlBackendOptions& options, std::unique_ptr<NvmlLibrary> library)
    : clock_(options.clock), library_(std::move(library)) {}

absl::StatusOr<std::unique_ptr<NvmlBackend>> NvmlBackend::Create(
    const NvmlBackendOptions& options) {
  if (options.clock == nullptr) return absl::InvalidArgumentError("NvmlBackend needs a clock");
  NVSX_ASSIGN_OR_RETURN(std::unique_ptr<NvmlLibrary> library,
                        NvmlLibrary::Open(options.library_path));
  std::unique_ptr<NvmlBackend> backend(new NvmlBackend(options, std::move(library)));
  NVSX_RETURN_IF_ERROR(backend->Initialize());
  return backend;
}

absl::Status NvmlBackend::Initialize() {
  const NvmlFunctions& fn = library_->fn();
  if (nvmlReturn_t result = fn.init(); result != api::kSuccess) {
    return core::Annotate(library_->ToStatus(result, "nvmlInit_v2"),
                          "NVML is present but could not start (is the NVIDIA driver loaded?)");
  }
  initialized_ = true;

  unsigned int count = 0;
  NVSX_RETURN_IF_ERROR(library_->ToStatus(fn.get_count(&count), "nvmlDeviceGetCount_v2"));
  NVSX_RETURN_IF_ERROR(library_->ToStatus(fn.event_set_create(&events_), "nvmlEventSetCreate"));

  for (unsigned int i = 0; i < count; ++i) {
    nvmlDevice_t device = nullptr;
    const std::string where = core::StrCat("GPU ", i);
    NVSX_RETURN_IF_ERROR(core::Annotate(
        library_->ToStatus(fn.get_handle_by_index(i, &device), "nvmlDeviceGetHandleByIndex_v2"),
        where));
    char uuid[api::kDeviceUuidBufferSize] = {};
    char name[api::kDeviceNameBufferSize] = {};
    nvmlPciInfo_t pci = {};
    nvmlMemory_t memory = {};
    NVSX_RETURN_IF_ERROR(core::Annotate(
        library_->ToStatus(fn.get_uuid(device, uuid, sizeof(uuid)), "nvmlDeviceGetUUID"), where));
    NVSX_RETURN_IF_ERROR(core::Annotate(
        library_->ToStatus(fn.get_name(device, name, sizeof(name)), "nvmlDeviceGetName"), where));
    NVSX_RETURN_IF_ERROR(core::Annotate(
        library_->ToStatus(fn.get_pci_info(device, &pci), "nvmlDeviceGetPciInfo_v3"), where));
    NVSX_RETURN_IF_ERROR(core::Annotate(
        library_->ToStatus(fn.get_memory_info(device, &memory), "nvmlDeviceGetMemoryInfo"), where));
    pci.busId[sizeof(pci.busId) - 1] = '\0';

    // GPUs without event support (rare) are still sampled; they just never
    // report an XID here.
    nvmlReturn_t registered = fn.register_events(device, api::kEventTypeXidCriticalError, events_);
    if (registered != api::kSuccess && registered != api::kErrorNotSupported) {
      return core::Annotate(library_->ToStatus(registered, "nvmlDeviceRegisterEvents"), where);
    }

    devices_.push_back(device);
    infos_.push_back(GpuInfo{.index = static_cast<int>(i),
                             .uuid = uuid,
                             .model = name,
                             .pci_bus_id = pci.busId,
                             .memory_total_bytes = memory.total});
  }
  return absl::OkStatus();
}

NvmlBackend::~NvmlBackend() {
  const NvmlFunctions& fn = library_->fn();
  if (events_ != nullptr) fn.event_set_free(events_);
  if (initialized_) fn.shutdown();
}

absl::StatusOr<std::vector<GpuInfo>> NvmlBackend::Enumerate() { return infos_; }

absl::StatusOr<GpuSample> NvmlBackend::Sample(int index) {
  if (index < 0 || index >= static_cast<int>(devices_.size())) {
    return absl::NotFoundError(
        core::StrCat("no GPU ", index, " (NVML reports ", devices_.size(), ")"));
  }
  const NvmlFunctions& fn = library_->fn();
  nvmlDevice_t device = devices_[index];
  GpuSample sample;
  sample.index = index;

  // Returns true when the reading may be used. A lost or hung GPU ends the
  // sample with only that fact; other errors end it with the error.
  absl::Status error;
  auto usable = [&](nvmlReturn_t result, const char* call) {
    switch (Classify(result)) {
      case Outcome::kOk:
        return true;
      case Outcome::kUnsupported:
        return false;
      case Outcome::kLost:
        sample.unresponsive = Unresponsive::kFallenOffBus;
        break;
      case Outcome::kHung:
        sample.unresponsive = Unresponsive::kDriverHang;
        break;
      case Outcome::kError:
        error = core::Annotate(library_->ToStatus(result, call), core::StrCat("GPU ", index));
        return false;
    }
    sample.unresponsive_detail = std::string(library_->ToStatus(result, call).message());
    return false;
  };
  auto stop = [&] { return !error.ok() || !sample.responsive(); };
  // A GPU that stopped answering keeps nothing else from this sample.
  auto finish = [&]() -> absl::StatusOr<GpuSample> {
    if (!error.ok()) return error;
    if (!sample.responsive()) {
      GpuSample lost;
      lost.index = index;
      lost.unresponsive = sample.unresponsive;
      lost.unresponsive_detail = std::move(sample.unresponsive_detail);
      return lost;
    }
    return std::move(sample);
  };

  unsigned int temperature = 0;
  if (usable(fn.get_temperature(device, api::kTemperatureGpu, &temperature),
             "nvmlDeviceGetTemperature")) {
    sample.temperature_c = static_cast<int>(temperature);
  }
  if (stop()) return finish();

  EccCounts ecc;
  struct EccQuery {
    int type;
    int counter;
    uint64_t* out;
  };
  const EccQuery ecc_queries[] = {
      {api::kMemoryErrorCorrected, api::kVolatileEcc, &ecc.volatile_sbe},
      {api::kMemoryErrorUncorrected, api::kVolatileEcc, &ecc.volatile_dbe},
      {api::kMemoryErrorCorrected, api::kAggregateEcc, &ecc.aggregate_sbe},
      {api::kMemoryErrorUncorrected, api::kAggregateEcc, &ecc.aggregate_dbe},
  };
  bool ecc_supported = true;
  for (const EccQuery& query : ecc_queries) {
    unsigned long long count = 0;
    if (!usable(fn.get_total_ecc_errors(device, query.type, query.counter, &count),
                "nvmlDeviceGetTotalEccErrors")) {
      ecc_supported = false;
      break;
    }
    *query.out = count;
  }
  if (stop()) return finish();
  if (ecc_supported) sample.ecc = ecc;

  unsigned int corrected = 0, uncorrected = 0, pending = 0, failure = 0;
  if (usable(fn.get_remapped_rows(device, &corrected, &uncorrected, &pending, &failure),
             "nvmlDeviceGetRemappedRows")) {
    sample.remapped_rows = RemappedRows{.corrected = corrected,
                                        .uncorrected = uncorrected,
                                        .pending = pending != 0,
                                        .failure = failure != 0};
  }
  if (stop()) return finish();

  // Links are numbered from 0; the first link the GPU does not have ends the
  // list.
  for (unsigned int link = 0; link < api::kNvlinkMaxLinks; ++link) {
    int active = 0;
    if (!usable(fn.get_nvlink_state(device, link, &active), "nvmlDeviceGetNvLinkState")) break;
    sample.nvlink_up.push_back(active == api::kFeatureEnabled);
  }
  if (stop()) return finish();

  unsigned long long reasons = 0;
  if (usable(fn.get_throttle_reasons(device, &reasons),
             "nvmlDeviceGetCurrentClocksThrottleReasons")) {
    sample.throttle_reasons = reasons;
    sample.throttle_names = ThrottleReasonNames(reasons);
  }
  if (stop()) return finish();

  unsigned int generation = 0, width = 0;
  if (usable(fn.get_pcie_generation(device, &generation), "nvmlDeviceGetCurrPcieLinkGeneration") &&
      usable(fn.get_pcie_width(device, &width), "nvmlDeviceGetCurrPcieLinkWidth")) {
    sample.pcie = PcieLink{.generation = generation, .width = width};
  }
  if (stop()) return finish();

  // A corrupt InfoROM is a finding, not a failure of the query.
  if (nvmlReturn_t result = fn.validate_inforom(device); result == api::kErrorCorruptedInforom) {
    sample.inforom_valid = false;
  } else {
    usable(result, "nvmlDeviceValidateInforom");
  }
  return finish();
}

absl::StatusOr<std::optional<XidEvent>> NvmlBackend::WaitForXid(absl::Duration timeout) {
  const int64_t millis =
      std::clamp<int64_t>(absl::ToInt64Milliseconds(timeout), 0, static_cast<int64_t>(UINT_MAX));
  nvmlEventData_t data = {};
  nvmlReturn_t result =
      library_->fn().event_set_wait(events_, &data, static_cast<unsigned int>(millis));
  if (result == api::kErrorTimeout) return std::optional<XidEvent>();
  NVSX_RETURN_IF_ERROR(library_->ToStatus(result, "nvmlEventSetWait_v2"));
  if ((data.eventType & api::kEventTypeXidCriticalError) == 0) return std::optional<XidEvent>();
  auto it = std::find(devices_.begin(), devices_.end(), data.device);
  if (it == devices_.end()) {
    return absl::InternalError("nvmlEventSetWait_v2 reported an XID for a device it never listed");
  }
  const int index = static_cast<int>(it - devices_.begin());
  return std::optional<XidEvent>(XidEvent{.gpu_index = index,
                                          .uuid = infos_[index].uuid,
                                          .xid = static_cast<uint32_t>(data.eventData),
                                          .time = clock_->Now()});
}

}  // namespace nvsx::nvml
