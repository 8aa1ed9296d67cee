// A stand-in libnvidia-ml.so.1 for tests: the NVML functions nvsx uses, over
// canned GPUs, plus FakeNvml* controls a test reaches with dlsym to inject
// XIDs and faults. Thread-safe; state persists while the library is loaded.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <type_traits>
#include <vector>

#include "nvml/nvml_api.h"

namespace api = nvsx::nvml::api;

struct nvmlDevice_st {
  unsigned int index;
};
struct nvmlEventSet_st {
  std::vector<unsigned int> registered;
};

namespace {

constexpr unsigned int kMaxGpus = 8;
constexpr unsigned int kFakeLinks = 4;

struct FakeGpu {
  bool lost = false;
  bool hung = false;
  bool inforom_corrupt = false;
  unsigned long long volatile_dbe = 0;
  unsigned int remap_pending = 0;
  unsigned long long throttle = 0;
  bool link_up[kFakeLinks] = {true, true, true, true};
};

struct FakeXid {
  unsigned int index;
  unsigned long long xid;
};

struct State {
  State() {
    for (unsigned int i = 0; i < kMaxGpus; ++i) handles[i].index = i;
  }

  std::mutex mu;
  std::condition_variable xid_ready;
  unsigned int gpu_count = 2;
  int init_result = api::kSuccess;
  int live_inits = 0;
  int live_event_sets = 0;
  FakeGpu gpus[kMaxGpus];
  nvmlDevice_st handles[kMaxGpus];
  std::deque<FakeXid> xids;
};

State& S() {
  static State state;
  return state;
}

// The common preamble of a device query: lost and hung GPUs answer so.
nvmlReturn_t Check(nvmlDevice_t device) {
  if (device == nullptr || device->index >= S().gpu_count) return api::kErrorInvalidArgument;
  const FakeGpu& gpu = S().gpus[device->index];
  if (gpu.lost) return api::kErrorGpuIsLost;
  if (gpu.hung) return api::kErrorTimeout;
  return api::kSuccess;
}

nvmlReturn_t CopyString(const char* text, char* out, unsigned int length) {
  if (std::strlen(text) + 1 > length) return api::kErrorInsufficientSize;
  std::strcpy(out, text);
  return api::kSuccess;
}

}  // namespace

extern "C" {

// ---- Controls for tests ----
void FakeNvmlReset(unsigned int gpu_count) {
  std::lock_guard lock(S().mu);
  S().gpu_count = std::min(gpu_count, kMaxGpus);
  S().init_result = api::kSuccess;
  for (auto& gpu : S().gpus) gpu = FakeGpu{};
  for (unsigned int i = 0; i < kMaxGpus; ++i) S().handles[i].index = i;
  S().xids.clear();
}
void FakeNvmlSetInitResult(int result) {
  std::lock_guard lock(S().mu);
  S().init_result = result;
}
void FakeNvmlInjectXid(unsigned int index, unsigned long long xid) {
  {
    std::lock_guard lock(S().mu);
    S().xids.push_back({index, xid});
  }
  S().xid_ready.notify_all();
}
void FakeNvmlSetLost(unsigned int index, int lost) {
  std::lock_guard lock(S().mu);
  S().gpus[index].lost = lost != 0;
}
void FakeNvmlSetHung(unsigned int index, int hung) {
  std::lock_guard lock(S().mu);
  S().gpus[index].hung = hung != 0;
}
void FakeNvmlSetMemoryFaults(unsigned int index, unsigned long long volatile_dbe,
                             unsigned int remap_pending) {
  std::lock_guard lock(S().mu);
  S().gpus[index].volatile_dbe = volatile_dbe;
  S().gpus[index].remap_pending = remap_pending;
}
void FakeNvmlSetLinkUp(unsigned int index, unsigned int link, int up) {
  std::lock_guard lock(S().mu);
  S().gpus[index].link_up[link] = up != 0;
}
void FakeNvmlSetThrottle(unsigned int index, unsigned long long mask) {
  std::lock_guard lock(S().mu);
  S().gpus[index].throttle = mask;
}
void FakeNvmlSetInforomCorrupt(unsigned int index, int corrupt) {
  std::lock_guard lock(S().mu);
  S().gpus[index].inforom_corrupt = corrupt != 0;
}
int FakeNvmlLiveInits() {
  std::lock_guard lock(S().mu);
  return S().live_inits;
}
int FakeNvmlLiveEventSets() {
  std::lock_guard lock(S().mu);
  return S().live_event_sets;
}

// ---- NVML ----
nvmlReturn_t nvmlInit_v2() {
  std::lock_guard lock(S().mu);
  if (S().init_result != api::kSuccess) return S().init_result;
  ++S().live_inits;
  return api::kSuccess;
}
nvmlReturn_t nvmlShutdown() {
  std::lock_guard lock(S().mu);
  if (S().live_inits == 0) return api::kErrorUninitialized;
  --S().live_inits;
  return api::kSuccess;
}
const char* nvmlErrorString(nvmlReturn_t result) {
  switch (result) {
    case api::kSuccess:
      return "Success";
    case api::kErrorNotSupported:
      return "Not Supported";
    case api::kErrorDriverNotLoaded:
      return "Driver Not Loaded";
    case api::kErrorTimeout:
      return "Timeout";
    case api::kErrorGpuIsLost:
      return "GPU is lost";
    default:
      return "Unknown Error";
  }
}
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* count) {
  std::lock_guard lock(S().mu);
  *count = S().gpu_count;
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device) {
  std::lock_guard lock(S().mu);
  if (index >= S().gpu_count) return api::kErrorInvalidArgument;
  *device = &S().handles[index];
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char* uuid, unsigned int length) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  char text[64];
  std::snprintf(text, sizeof(text), "GPU-fa4e0000-0000-0000-0000-%012u", device->index);
  return CopyString(text, uuid, length);
}
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char* name, unsigned int length) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  return CopyString("NVIDIA Fake H100", name, length);
}
nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t* pci) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  *pci = nvmlPciInfo_t{};
  pci->bus = 0x18 + device->index;
  std::snprintf(pci->busId, sizeof(pci->busId), "00000000:%02X:00.0", pci->bus);
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t* memory) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  memory->total = 80ull << 30;
  memory->used = 1ull << 30;
  memory->free = memory->total - memory->used;
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int* temp) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  if (sensor != api::kTemperatureGpu) return api::kErrorInvalidArgument;
  *temp = 40 + device->index;
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, int type, int counter,
                                         unsigned long long* count) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  const bool dbe = type == api::kMemoryErrorUncorrected;
  const bool aggregate = counter == api::kAggregateEcc;
  // Aggregate = volatile + 100 history; SBE = 7, so tests can tell them apart.
  const unsigned long long base = dbe ? S().gpus[device->index].volatile_dbe : 7;
  *count = base + (aggregate ? 100 : 0);
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t device, unsigned int* corrected,
                                       unsigned int* uncorrected, unsigned int* pending,
                                       unsigned int* failure) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  *corrected = 2;
  *uncorrected = S().gpus[device->index].remap_pending;
  *pending = S().gpus[device->index].remap_pending != 0 ? 1 : 0;
  *failure = 0;
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t device, unsigned int link, int* active) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  if (link >= kFakeLinks) return api::kErrorInvalidArgument;
  *active = S().gpus[device->index].link_up[link] ? api::kFeatureEnabled : 0;
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device,
                                                       unsigned long long* reasons) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  *reasons = S().gpus[device->index].throttle;
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t device, unsigned int* gen) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  *gen = 5;
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t device, unsigned int* width) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  *width = 16;
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceValidateInforom(nvmlDevice_t device) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  return S().gpus[device->index].inforom_corrupt ? api::kErrorCorruptedInforom : api::kSuccess;
}
nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t* set) {
  std::lock_guard lock(S().mu);
  *set = new nvmlEventSet_st;
  ++S().live_event_sets;
  return api::kSuccess;
}
nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t device, unsigned long long types,
                                      nvmlEventSet_t set) {
  std::lock_guard lock(S().mu);
  if (nvmlReturn_t r = Check(device); r != api::kSuccess) return r;
  if (types != api::kEventTypeXidCriticalError) return api::kErrorNotSupported;
  set->registered.push_back(device->index);
  return api::kSuccess;
}
nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t* data,
                                 unsigned int timeout_ms) {
  std::unique_lock lock(S().mu);
  auto deliverable = [&] {
    return std::find_if(S().xids.begin(), S().xids.end(), [&](const FakeXid& xid) {
      return std::count(set->registered.begin(), set->registered.end(), xid.index) > 0;
    });
  };
  if (!S().xid_ready.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                              [&] { return deliverable() != S().xids.end(); })) {
    return api::kErrorTimeout;
  }
  auto it = deliverable();
  *data = nvmlEventData_t{};
  data->device = &S().handles[it->index];
  data->eventType = api::kEventTypeXidCriticalError;
  data->eventData = it->xid;
  S().xids.erase(it);
  return api::kSuccess;
}
nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) {
  std::lock_guard lock(S().mu);
  delete set;
  --S().live_event_sets;
  return api::kSuccess;
}

}  // extern "C"

// The fake must match the signatures the binding looks up.
static_assert(std::is_same_v<decltype(&nvmlInit_v2), api::InitFn>);
static_assert(std::is_same_v<decltype(&nvmlErrorString), api::ErrorStringFn>);
static_assert(std::is_same_v<decltype(&nvmlDeviceGetUUID), api::DeviceGetStringFn>);
static_assert(std::is_same_v<decltype(&nvmlDeviceGetPciInfo_v3), api::DeviceGetPciInfoFn>);
static_assert(
    std::is_same_v<decltype(&nvmlDeviceGetTotalEccErrors), api::DeviceGetTotalEccErrorsFn>);
static_assert(std::is_same_v<decltype(&nvmlDeviceGetRemappedRows), api::DeviceGetRemappedRowsFn>);
static_assert(std::is_same_v<decltype(&nvmlDeviceGetNvLinkState), api::DeviceGetNvLinkStateFn>);
static_assert(std::is_same_v<decltype(&nvmlDeviceRegisterEvents), api::DeviceRegisterEventsFn>);
static_assert(std::is_same_v<decltype(&nvmlEventSetWait_v2), api::EventSetWaitFn>);
