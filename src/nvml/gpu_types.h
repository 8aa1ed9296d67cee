#pragma once

// Plain data a GPU source reports: what a GPU is (GpuInfo), how it is right now
// (GpuSample) and what it just complained about (XidEvent). No NVML types here;
// every backend fills these the same way.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace nvsx::nvml {

// Identity of one GPU, stable for the life of a backend.
struct GpuInfo {
  int index = 0;                    // 0-based, as NVML numbers devices
  std::string uuid;                 // "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
  std::string model;                // e.g. "NVIDIA H100 80GB HBM3"
  std::string pci_bus_id;           // "00000000:18:00.0"
  uint64_t memory_total_bytes = 0;  // framebuffer size
};

// ECC error counters. SBE = single-bit (corrected), DBE = double-bit
// (uncorrected). Volatile counts reset with the driver or a GPU reset;
// aggregate counts persist for the life of the board.
struct EccCounts {
  uint64_t volatile_sbe = 0;
  uint64_t volatile_dbe = 0;
  uint64_t aggregate_sbe = 0;
  uint64_t aggregate_dbe = 0;
};

// Row remapping (Ampere and newer): rows replaced after memory errors.
struct RemappedRows {
  uint32_t corrected = 0;    // rows remapped after correctable errors
  uint32_t uncorrected = 0;  // rows remapped after uncorrectable errors
  bool pending = false;      // a remap waits for a GPU reset to take effect
  bool failure = false;      // a remap failed: no spare rows left
};

struct PcieLink {
  uint32_t generation = 0;
  uint32_t width = 0;  // lanes
};

// Why a GPU stopped answering.
enum class Unresponsive {
  kNo = 0,
  kFallenOffBus,  // gone from PCIe (NVML_ERROR_GPU_IS_LOST, XID 79)
  kDriverHang,    // the driver or firmware does not answer
  kResetting,     // being reset: nothing to read for a moment, and no fault
};

// One reading of a GPU. Fields a GPU does not support (ECC on consumer
// boards, row remapping before Ampere, NVLink on PCIe boards) are empty.
// When `unresponsive` is not kNo, nothing else could be read and the
// optional fields are empty.
struct GpuSample {
  int index = 0;
  Unresponsive unresponsive = Unresponsive::kNo;
  std::string unresponsive_detail;  // the error the GPU gave, for messages
  std::optional<int> temperature_c;
  std::optional<EccCounts> ecc;
  std::optional<RemappedRows> remapped_rows;
  std::vector<bool> nvlink_up;              // by link number; empty without NVLink
  uint64_t throttle_reasons = 0;            // NVML clocks-throttle bit mask
  std::vector<std::string> throttle_names;  // the mask decoded, see throttle_reasons.h
  std::optional<PcieLink> pcie;
  bool inforom_valid = true;  // false when the InfoROM checksum is corrupt

  bool responsive() const { return unresponsive == Unresponsive::kNo; }
};

// A critical XID error reported by the driver for one GPU.
struct XidEvent {
  int gpu_index = 0;
  std::string uuid;
  uint32_t xid = 0;
  absl::Time time;
};

}  // namespace nvsx::nvml
