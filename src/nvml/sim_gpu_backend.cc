#include "nvml/sim_gpu_backend.h"

#include <array>
#include <utility>

#include "core/status_macros.h"
#include "core/str_cat.h"
#include "fmt/format.h"
#include "nvml/throttle_reasons.h"

namespace nvsx::nvml {
namespace {

struct FaultNameEntry {
  SimFault fault;
  std::string_view name;
};

constexpr std::array<FaultNameEntry, 5> kSimFaultNames = {{
    {SimFault::kEcc, "ecc"},
    {SimFault::kNvlink, "nvlink"},
    {SimFault::kThermal, "thermal"},
    {SimFault::kDriverHang, "driver-hang"},
    {SimFault::kInforom, "inforom"},
}};

constexpr int kHotTemperatureC = 92;

// 64-bit FNV-1a: stable across platforms and runs, unlike std::hash.
uint64_t Fnv1a(std::string_view text, uint64_t salt) {
  uint64_t hash = 0xcbf29ce484222325ull ^ salt;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace

absl::StatusOr<SimFault> ParseSimFault(std::string_view name) {
  for (const auto& entry : kSimFaultNames) {
    if (entry.name == name) return entry.fault;
  }
  return absl::InvalidArgumentError(core::StrCat(
      "unknown fault \"", name, "\"; expected one of ecc, nvlink, thermal, driver-hang, inforom"));
}

std::string_view SimFaultName(SimFault fault) {
  for (const auto& entry : kSimFaultNames) {
    if (entry.fault == fault) return entry.name;
  }
  return "unknown";
}

std::string SimGpuUuid(std::string_view node_name, int index) {
  const std::string seed = core::StrCat(node_name, "/", index);
  const uint64_t high = Fnv1a(seed, 0);
  const uint64_t low = Fnv1a(seed, 0x9e3779b97f4a7c15ull);
  return fmt::format("GPU-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                     high & 0xffff, low >> 48, low & 0xffffffffffffull);
}

SimGpuBackend::SimGpuBackend(SimGpuBackendOptions options) : options_(std::move(options)) {
  gpus_.reserve(options_.gpu_count);
  for (int i = 0; i < options_.gpu_count; ++i) {
    GpuInfo info;
    info.index = i;
    info.uuid = SimGpuUuid(options_.node_name, i);
    info.model = options_.model;
    info.pci_bus_id = fmt::format("{:08X}:{:02X}:00.0", i / 256, i % 256);
    info.memory_total_bytes = options_.memory_total_bytes;
    gpus_.push_back({std::move(info), FreshState(i)});
  }
}

GpuSample SimGpuBackend::FreshState(int index) const {
  GpuSample state;
  state.index = index;
  state.temperature_c = options_.idle_temperature_c;
  state.ecc = EccCounts{};
  state.remapped_rows = RemappedRows{};
  state.nvlink_up.assign(options_.nvlinks_per_gpu, true);
  state.pcie = PcieLink{.generation = 5, .width = 16};
  return state;
}

absl::Status SimGpuBackend::CheckIndex(int index) const {
  if (index < 0 || index >= static_cast<int>(gpus_.size())) {
    return absl::NotFoundError(
        core::StrCat("no simulated GPU ", index, " (the node has ", gpus_.size(), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<GpuInfo>> SimGpuBackend::Enumerate() {
  absl::MutexLock lock(&mu_);
  std::vector<GpuInfo> infos;
  infos.reserve(gpus_.size());
  for (const SimGpu& gpu : gpus_) infos.push_back(gpu.info);
  return infos;
}

absl::StatusOr<GpuSample> SimGpuBackend::Sample(int index) {
  absl::MutexLock lock(&mu_);
  if (absl::Status status = CheckIndex(index); !status.ok()) return status;
  if (gpus_[index].resetting) {
    gpus_[index].resetting = false;
    GpuSample resetting;
    resetting.index = index;
    resetting.unresponsive = Unresponsive::kResetting;
    resetting.unresponsive_detail = "GPU reset in progress";
    return resetting;
  }
  const GpuSample& state = gpus_[index].state;
  if (!state.responsive()) {
    // A GPU that stopped answering yields nothing but that fact.
    GpuSample lost;
    lost.index = index;
    lost.unresponsive = state.unresponsive;
    lost.unresponsive_detail = state.unresponsive_detail;
    return lost;
  }
  GpuSample sample = state;
  sample.throttle_names = ThrottleReasonNames(sample.throttle_reasons);
  return sample;
}

absl::StatusOr<std::optional<XidEvent>> SimGpuBackend::WaitForXid(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (xids_.empty()) {
    // WaitWithDeadline returns true once the deadline passed.
    if (xid_ready_.WaitWithDeadline(&mu_, deadline) && xids_.empty()) {
      return std::optional<XidEvent>();
    }
  }
  XidEvent event = std::move(xids_.front());
  xids_.pop_front();
  return std::optional<XidEvent>(std::move(event));
}

void SimGpuBackend::QueueXid(int index, uint32_t xid) {
  xids_.push_back(XidEvent{.gpu_index = index,
                           .uuid = gpus_[index].info.uuid,
                           .xid = xid,
                           .time = options_.clock->Now()});
  xid_ready_.SignalAll();
}

absl::Status SimGpuBackend::InjectXid(int index, uint32_t xid) {
  absl::MutexLock lock(&mu_);
  if (absl::Status status = CheckIndex(index); !status.ok()) return status;
  GpuSample& state = gpus_[index].state;
  switch (xid) {
    case 79:
      state.unresponsive = Unresponsive::kFallenOffBus;
      state.unresponsive_detail = "GPU has fallen off the bus";
      break;
    case 48:
    case 94:
    case 95:
      state.ecc->volatile_dbe += 1;
      state.ecc->aggregate_dbe += 1;
      break;
    case 92:
      state.ecc->volatile_sbe += 1000;
      state.ecc->aggregate_sbe += 1000;
      break;
    case 63:
      state.remapped_rows->uncorrected += 1;
      state.remapped_rows->pending = true;
      break;
    case 64:
      state.remapped_rows->failure = true;
      break;
    case 74:
      if (!state.nvlink_up.empty()) state.nvlink_up[0] = false;
      break;
    default:
      break;
  }
  QueueXid(index, xid);
  return absl::OkStatus();
}

absl::Status SimGpuBackend::InjectFault(int index, SimFault fault) {
  switch (fault) {
    case SimFault::kEcc:
      return InjectXid(index, 48);
    case SimFault::kNvlink:
      return InjectXid(index, 74);
    default:
      break;
  }
  absl::MutexLock lock(&mu_);
  if (absl::Status status = CheckIndex(index); !status.ok()) return status;
  GpuSample& state = gpus_[index].state;
  switch (fault) {
    case SimFault::kThermal:
      state.temperature_c = kHotTemperatureC;
      state.throttle_reasons |= kThrottleHwThermalSlowdown | kThrottleSwThermalSlowdown;
      break;
    case SimFault::kDriverHang:
      state.unresponsive = Unresponsive::kDriverHang;
      state.unresponsive_detail = "driver did not answer (timeout)";
      break;
    case SimFault::kInforom:
      state.inforom_valid = false;
      break;
    case SimFault::kEcc:
    case SimFault::kNvlink:
      break;
  }
  return absl::OkStatus();
}

absl::Status SimGpuBackend::Clear(int index) {
  absl::MutexLock lock(&mu_);
  if (absl::Status status = CheckIndex(index); !status.ok()) return status;
  GpuSample& state = gpus_[index].state;
  const EccCounts old_ecc = *state.ecc;
  state = FreshState(index);
  state.ecc->aggregate_sbe = old_ecc.aggregate_sbe;
  state.ecc->aggregate_dbe = old_ecc.aggregate_dbe;
  std::erase_if(xids_, [index](const XidEvent& event) { return event.gpu_index == index; });
  return absl::OkStatus();
}

absl::Status SimGpuBackend::Reset(int index) {
  NVSX_RETURN_IF_ERROR(Clear(index));
  absl::MutexLock lock(&mu_);
  gpus_[index].resetting = true;
  return absl::OkStatus();
}

}  // namespace nvsx::nvml
