#pragma once

// What the simulated cluster's containers print, as pure functions of the
// pod: the program its annotation names, what that program prints when it
// starts and on every step, and what it prints when a GPU of its node fails
// (the CUDA and NCCL errors a PyTorch job prints for the driver's XID).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

// The pod annotation naming what its containers run: "training" (a PyTorch
// DDP job: a step line every second) or "inference" (a model server: a
// status line every ten seconds). Containers of other pods print nothing.
inline constexpr std::string_view kProgramAnnotation = "sim.nvsentinel.nvidia.com/program";

enum class ContainerProgram { kNone, kTraining, kInference };

ContainerProgram ProgramOf(const nlohmann::json& pod);

struct ProgramOutput {
  std::vector<std::string> startup;
  absl::Duration every = absl::ZeroDuration();  // zero: prints nothing periodically
  std::function<std::string(int64_t n)> line;   // the n-th periodic line, n >= 1
};

ProgramOutput OutputOf(ContainerProgram program);

// Whether `container` (a spec.containers entry) requests nvidia.com/gpu.
bool UsesGpus(const nlohmann::json& container);

// What `program` prints when a GPU under it fails with `xid`, after which it
// prints nothing more (its collectives hang until NCCL's watchdog gives up).
std::vector<std::string> GpuFaultLines(ContainerProgram program, int xid);

// The CUDA runtime's error string for a fault the driver reports as `xid`
// ("unspecified launch failure" for XID 79); "unknown error" for the rest.
std::string_view CudaErrorForXid(int xid);

}  // namespace nvsx::sim
