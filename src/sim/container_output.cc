#include "sim/container_output.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

constexpr char kNcclVersion[] = "2.19.3";

struct XidCudaError {
  int xid;
  std::string_view error;
};

// How the CUDA runtime reports each fault class to the program that hits it.
constexpr XidCudaError kCudaErrors[] = {
    {13, "an illegal memory access was encountered"},
    {31, "an illegal memory access was encountered"},
    {43, "an illegal memory access was encountered"},
    {48, "uncorrectable ECC error encountered"},
    {63, "uncorrectable ECC error encountered"},
    {64, "uncorrectable ECC error encountered"},
    {74, "uncorrectable NVLink error detected during the execution"},
    {79, "unspecified launch failure"},
    {92, "uncorrectable ECC error encountered"},
    {94, "uncorrectable ECC error encountered"},
    {95, "uncorrectable ECC error encountered"},
    {119, "the launch timed out and was terminated"},
    {120, "the launch timed out and was terminated"},
};

std::string TrainingStep(int64_t n) {
  // A loss curve that falls and wobbles, the same for every run.
  const double step = static_cast<double>(n);
  const double loss = 0.35 + 2.2 * std::exp(-step / 400.0) + 0.02 * std::sin(step * 1.7);
  const double samples = 410.0 + 6.0 * std::sin(step * 0.9);
  return absl::StrFormat("[rank0] step %d | loss %.4f | lr 3.00e-04 | %.1f samples/s", n, loss,
                         samples);
}

std::string InferenceStatus(int64_t n) {
  return absl::StrFormat("INFO:     served %d requests (p99 %d ms)", n * 1280,
                         21 + static_cast<int>(n % 5));
}

}  // namespace

ContainerProgram ProgramOf(const json& pod) {
  if (!pod.is_object() || !pod.contains("metadata")) return ContainerProgram::kNone;
  const json& annotations = pod["metadata"].value("annotations", json::object());
  auto program = annotations.is_object() ? annotations.find(std::string(kProgramAnnotation))
                                         : annotations.end();
  if (program == annotations.end()) return ContainerProgram::kNone;
  if (*program == "training") return ContainerProgram::kTraining;
  if (*program == "inference") return ContainerProgram::kInference;
  return ContainerProgram::kNone;
}

ProgramOutput OutputOf(ContainerProgram program) {
  switch (program) {
    case ContainerProgram::kTraining:
      return {{"[rank0] Initializing process group: backend=nccl, world_size=1, rank=0",
               core::StrCat("NCCL INFO NCCL version ", kNcclVersion, "+cuda12.3"),
               "[rank0] Starting training: global_batch=256, steps=100000"},
              absl::Seconds(1),
              TrainingStep};
    case ContainerProgram::kInference:
      return {{"INFO:     Loading model weights to cuda:0",
               "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)"},
              absl::Seconds(10),
              InferenceStatus};
    case ContainerProgram::kNone:
      break;
  }
  return {};
}

bool UsesGpus(const json& container) {
  const json resources = container.value("resources", json::object());
  for (const char* kind : {"limits", "requests"}) {
    const json amounts = resources.is_object() ? resources.value(kind, json::object()) : json();
    if (!amounts.is_object() || !amounts.contains("nvidia.com/gpu")) continue;
    const json& count = amounts["nvidia.com/gpu"];
    int64_t value = 0;
    if (count.is_number_integer()) value = count.get<int64_t>();
    if (count.is_string() && !absl::SimpleAtoi(count.get<std::string>(), &value)) value = 0;
    if (value > 0) return true;
  }
  return false;
}

std::string_view CudaErrorForXid(int xid) {
  for (const XidCudaError& entry : kCudaErrors) {
    if (entry.xid == xid) return entry.error;
  }
  return "unknown error";
}

std::vector<std::string> GpuFaultLines(ContainerProgram program, int xid) {
  const std::string error(CudaErrorForXid(xid));
  switch (program) {
    case ContainerProgram::kTraining:
      return {
          core::StrCat("[rank0]:[E ProcessGroupNCCL.cpp:1537] [PG 0 Rank 0] Process group "
                       "watchdog thread terminated with exception: CUDA error: ",
                       error),
          "[rank0]: CUDA kernel errors might be asynchronously reported at some other API call, "
          "so the stacktrace below might be incorrect.",
          "[rank0]: For debugging consider passing CUDA_LAUNCH_BLOCKING=1.",
          core::StrCat("[rank0]: torch.distributed.DistBackendError: NCCL error in: "
                       "../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970, unhandled cuda "
                       "error (run with NCCL_DEBUG=INFO for details), NCCL version ",
                       kNcclVersion),
          "[rank0]: ncclUnhandledCudaError: Call to CUDA function failed.",
          "[rank0]: Last error:",
          core::StrCat("[rank0]: Cuda failure '", error, "'"),
      };
    case ContainerProgram::kInference:
      return {
          "ERROR:    Exception in ASGI application",
          core::StrCat("RuntimeError: CUDA error: ", error),
          "CUDA kernel errors might be asynchronously reported at some other API call, so the "
          "stacktrace below might be incorrect.",
      };
    case ContainerProgram::kNone:
      break;
  }
  return {};
}

}  // namespace nvsx::sim
