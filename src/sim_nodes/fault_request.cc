#include "sim_nodes/fault_request.h"

#include <charconv>

#include "core/str_cat.h"

namespace nvsx::sim_nodes {
namespace {

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

}  // namespace

absl::Status ValidateFaultRequest(const FaultRequest& request) {
  if (request.node.empty()) return absl::InvalidArgumentError("--node: name the node");
  if (request.gpu < 0) return absl::InvalidArgumentError("--gpu: an index from 0");
  if (!request.xid && !request.fault && !request.clear) {
    return absl::InvalidArgumentError("give --xid N, --fault NAME or --clear");
  }
  if (request.xid && request.fault) {
    return absl::InvalidArgumentError("give --xid or --fault, not both");
  }
  return absl::OkStatus();
}

kube::ResourceRef FaultRequestsResource() {
  return kube::ResourceRef{.resource = "configmaps", .namespace_name = "nvsentinel"};
}

std::string FaultRequestSelector() { return core::StrCat(kFaultRequestLabel, "=true"); }

nlohmann::json FaultRequestConfigMap(const FaultRequest& request) {
  nlohmann::json data = {{"node", request.node}, {"gpu", core::StrCat(request.gpu)}};
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
  auto gpu = ParseNumber<int>("gpu", text("gpu"));
  if (!gpu.ok()) return gpu.status();
  request.gpu = *gpu;
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

}  // namespace nvsx::sim_nodes
