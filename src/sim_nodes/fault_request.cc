#include "sim_nodes/fault_request.h"

#include <charconv>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/duration.h"
#include "core/str_cat.h"

namespace nvsx::sim_nodes {
namespace {

// data.reset: which GPUs a reset asks for when it names none.
constexpr char kEveryGpu[] = "all";

template <typename T>
absl::StatusOr<T> ParseNumber(const std::string& field, const std::string& text) {
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return absl::InvalidArgumentError(
        core::StrCat("fault request data.", field, ": \"", text, "\" is not a number"));
  }
  return value;
}

int ActionCount(const FaultRequest& request) {
  return (request.xid || request.fault ? 1 : 0) + (request.clear ? 1 : 0) +
         (request.reboot_downtime ? 1 : 0) + (request.reset_gpus ? 1 : 0);
}

}  // namespace

absl::Status ValidateFaultRequest(const FaultRequest& request) {
  if (request.node.empty()) return absl::InvalidArgumentError("--node: name the node");
  if (request.xid && request.fault) {
    return absl::InvalidArgumentError("give --xid or --fault, not both");
  }
  const int actions = ActionCount(request);
  if (actions == 0) {
    return absl::InvalidArgumentError(
        "give --xid N, --fault NAME or --clear (or ask for a reboot or a GPU reset)");
  }
  if (actions > 1) {
    return absl::InvalidArgumentError(
        "one request asks for one thing: a fault, a clear, a reboot or a GPU reset");
  }
  if (request.reboot_downtime && *request.reboot_downtime < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("reboot downtime: must not be negative");
  }
  if (!request.reboot_downtime && !request.reset_gpus && request.gpu < 0) {
    return absl::InvalidArgumentError("--gpu: an index from 0");
  }
  if (request.reset_gpus) {
    for (const std::string& gpu : *request.reset_gpus) {
      if (gpu.empty() || gpu.find(',') != std::string::npos) {
        return absl::InvalidArgumentError(
            core::StrCat("GPU reset: \"", gpu, "\" is not a GPU index or UUID"));
      }
    }
  }
  return absl::OkStatus();
}

kube::ResourceRef FaultRequestsResource() {
  return kube::ResourceRef{.resource = "configmaps", .namespace_name = "nvsentinel"};
}

std::string FaultRequestSelector() { return core::StrCat(kFaultRequestLabel, "=true"); }

nlohmann::json FaultRequestConfigMap(const FaultRequest& request) {
  nlohmann::json data = {{"node", request.node}};
  if (request.reboot_downtime) {
    data["reboot"] = core::DurationString(*request.reboot_downtime);
  } else if (request.reset_gpus) {
    data["reset"] = request.reset_gpus->empty() ? std::string(kEveryGpu)
                                                : absl::StrJoin(*request.reset_gpus, ",");
  } else {
    data["gpu"] = core::StrCat(request.gpu);
  }
  if (request.xid) data["xid"] = core::StrCat(*request.xid);
  if (request.fault) data["fault"] = std::string(nvml::SimFaultName(*request.fault));
  if (request.clear) data["clear"] = "true";
  return nlohmann::json{
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata",
       {{"generateName", "sim-fault-"},
        {"namespace", FaultRequestsResource().namespace_name},
        {"labels", {{kFaultRequestLabel, "true"}}}}},
      {"data", std::move(data)},
  };
}

absl::StatusOr<FaultRequest> ParseFaultRequest(const nlohmann::json& config_map) {
  const nlohmann::json data = config_map.value("data", nlohmann::json::object());
  auto text = [&](const char* key) { return data.value(key, std::string()); };
  FaultRequest request;
  request.node = text("node");
  if (!text("reboot").empty()) {
    absl::StatusOr<absl::Duration> downtime = core::ParseDuration(text("reboot"));
    if (!downtime.ok()) {
      return absl::InvalidArgumentError(
          core::StrCat("fault request data.reboot: ", downtime.status().message()));
    }
    request.reboot_downtime = *downtime;
  }
  if (data.contains("reset")) {
    request.reset_gpus.emplace();
    const std::string gpus = text("reset");
    if (gpus != kEveryGpu) {
      for (absl::string_view gpu : absl::StrSplit(gpus, ',')) {
        request.reset_gpus->emplace_back(gpu.data(), gpu.size());
      }
    }
  }
  if (!request.reboot_downtime && !request.reset_gpus) {
    auto gpu = ParseNumber<int>("gpu", text("gpu"));
    if (!gpu.ok()) return gpu.status();
    request.gpu = *gpu;
  }
  if (!text("xid").empty()) {
    auto xid = ParseNumber<uint32_t>("xid", text("xid"));
    if (!xid.ok()) return xid.status();
    request.xid = *xid;
  }
  if (!text("fault").empty()) {
    auto fault = nvml::ParseSimFault(text("fault"));
    if (!fault.ok()) return fault.status();
    request.fault = *fault;
  }
  request.clear = text("clear") == "true";
  if (absl::Status valid = ValidateFaultRequest(request); !valid.ok()) return valid;
  return request;
}

std::string DescribeFaultRequest(const FaultRequest& request) {
  if (request.reboot_downtime) {
    return core::StrCat("reboot of ", request.node, " (down ",
                        core::DurationString(*request.reboot_downtime), ")");
  }
  if (request.reset_gpus) {
    if (request.reset_gpus->empty())
      return core::StrCat("GPU reset of ", request.node, " (every GPU)");
    return core::StrCat("GPU reset of ", request.node, " GPUs ",
                        absl::StrJoin(*request.reset_gpus, ","));
  }
  std::string what;
  if (request.clear) {
    what = "clear";
  } else if (request.xid) {
    what = core::StrCat("XID ", *request.xid);
  } else {
    what = core::StrCat("fault ", nvml::SimFaultName(*request.fault));
  }
  return core::StrCat(what, " on ", request.node, " GPU ", request.gpu);
}

absl::StatusOr<int> ResolveGpu(const std::string& node, const std::string& gpu, int gpu_count) {
  int index = -1;
  auto [end, error] = std::from_chars(gpu.data(), gpu.data() + gpu.size(), index);
  const bool numeric = error == std::errc() && end == gpu.data() + gpu.size();
  for (int i = 0; i < gpu_count; ++i) {
    if (numeric ? i == index : nvml::SimGpuUuid(node, i) == gpu) return i;
  }
  return absl::NotFoundError(core::StrCat("GPU \"", gpu, "\" is not one of the ", gpu_count,
                                          " GPUs of ", node, " (give an index from 0 or a UUID)"));
}

absl::StatusOr<std::vector<int>> ResolveGpus(const std::string& node,
                                             const std::vector<std::string>& gpus, int gpu_count) {
  std::vector<int> indexes;
  if (gpus.empty()) {
    for (int i = 0; i < gpu_count; ++i) indexes.push_back(i);
  }
  for (const std::string& gpu : gpus) {
    absl::StatusOr<int> index = ResolveGpu(node, gpu, gpu_count);
    if (!index.ok()) return index.status();
    indexes.push_back(*index);
  }
  return indexes;
}

absl::Status ApplyGpuRequest(const FaultRequest& request, nvml::SimGpuBackend& gpus,
                             int gpu_count) {
  if (request.reboot_downtime) {
    return absl::InvalidArgumentError("a reboot is for the node's kubelet, not its GPUs");
  }
  if (request.reset_gpus) {
    absl::StatusOr<std::vector<int>> indexes =
        ResolveGpus(request.node, *request.reset_gpus, gpu_count);
    if (!indexes.ok()) return indexes.status();
    for (int index : *indexes) {
      if (absl::Status reset = gpus.Reset(index); !reset.ok()) return reset;
    }
    return absl::OkStatus();
  }
  if (request.clear) return gpus.Clear(request.gpu);
  if (request.xid) return gpus.InjectXid(request.gpu, *request.xid);
  return gpus.InjectFault(request.gpu, *request.fault);
}

}  // namespace nvsx::sim_nodes
