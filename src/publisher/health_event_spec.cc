#include "publisher/health_event_spec.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "core/str_cat.h"
#include "core/time_format.h"
#include "kube/types/object_meta.h"

namespace nvsx::publisher {
namespace {

// FNV-1a: a hash that is the same in every process and release.
uint64_t StableHash(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

nlohmann::json Spec(const GpuFault& fault, const EventSource& source, absl::Time generated,
                    std::string check, const nlohmann::json& xids) {
  nlohmann::json checks = nlohmann::json::array();
  std::string check_list;
  for (const std::string& name : fault.checks) {
    core::StrAppend(&check_list, check_list.empty() ? "" : ",", name);
  }
  return nlohmann::json{
      {"version", 1},
      {"agent", source.agent},
      {"componentClass", "GPU"},
      {"checkName", std::move(check)},
      {"isFatal", fault.state == GpuState::kFatal},
      {"isHealthy", false},
      {"message", fault.message},
      {"recommendedAction", fault.recommended_action},
      {"errorCode", xids},
      {"entitiesImpacted",
       {{{"entityType", "GPU"}, {"entityValue", core::StrCat(fault.index)}},
        {{"entityType", "GPU_UUID"}, {"entityValue", fault.uuid}},
        {{"entityType", "PCI"}, {"entityValue", fault.pci_bus_id}}}},
      {"metadata",
       {{"gpuName", fault.gpu_name}, {"model", fault.model}, {"checks", std::move(check_list)}}},
      {"generatedTimestamp", core::FormatTimestampMillis(generated)},
      {"nodeName", source.node_name},
  };
}

}  // namespace

std::string HealthEventName(std::string_view node, const GpuFault& fault) {
  const uint64_t hash =
      StableHash(core::StrCat(node, "/", fault.gpu_name, "/", absl::ToUnixNanos(fault.onset)));
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(hash));
  std::string name = core::StrCat(node, "-gpu", fault.index, "-", std::string_view(hex, 10));
  // Object names are at most 253 characters; node names leave room, but be sure.
  if (name.size() > 253) name = core::StrCat("gpu", fault.index, "-", hex);
  return name;
}

std::string NodeEventSelector(std::string_view node) {
  std::string selector = core::StrCat(kManagedByLabel, "=", kManagedByValue);
  if (kube::IsLabelValue(node)) core::StrAppend(&selector, ",", kNodeLabel, "=", node);
  return selector;
}

nlohmann::json NewHealthEvent(const GpuFault& fault, const EventSource& source, absl::Time now) {
  nlohmann::json labels = {{kManagedByLabel, kManagedByValue}};
  if (kube::IsLabelValue(source.node_name)) labels[std::string(kNodeLabel)] = source.node_name;
  if (kube::IsLabelValue(fault.gpu_name)) labels[std::string(kGpuLabel)] = fault.gpu_name;
  const std::string check = fault.checks.empty() ? "" : fault.checks.front();
  if (kube::IsLabelValue(check)) labels[std::string(kCheckLabel)] = check;
  return nlohmann::json{
      {"apiVersion", "nvsentinel.nvidia.com/v1alpha1"},
      {"kind", "HealthEvent"},
      {"metadata", {{"name", HealthEventName(source.node_name, fault)}, {"labels", labels}}},
      {"spec", Spec(fault, source, now, check, fault.xids)},
  };
}

nlohmann::json UpdatedSpec(const nlohmann::json& open_spec, const GpuFault& fault,
                           const EventSource& source) {
  nlohmann::json xids = open_spec.value("errorCode", nlohmann::json::array());
  for (const std::string& code : fault.xids) {
    if (std::find(xids.begin(), xids.end(), code) == xids.end()) xids.push_back(code);
  }
  // A degraded GPU's event that turns fatal reports the fatal check from
  // then on: the controller acts on it as on any fatal event.
  const bool escalates = !open_spec.value("isFatal", false) && fault.state == GpuState::kFatal;
  std::string check = escalates ? "" : open_spec.value("checkName", "");
  if (check.empty() && !fault.checks.empty()) check = fault.checks.front();
  nlohmann::json spec = Spec(fault, source, absl::UnixEpoch(), std::move(check), xids);
  spec["generatedTimestamp"] = open_spec.value("generatedTimestamp", "");
  return spec;
}

bool SpecHas(const nlohmann::json& spec, const nlohmann::json& fields) {
  if (!fields.is_object() || !spec.is_object()) return spec == fields;
  for (const auto& [key, value] : fields.items()) {
    auto it = spec.find(key);
    if (it == spec.end() || !SpecHas(*it, value)) return false;
  }
  return true;
}

nlohmann::json RecoveredPatch(absl::Time now) {
  return nlohmann::json{
      {"spec",
       {{"isHealthy", true},
        {"metadata", {{"recoveredTimestamp", core::FormatTimestampMillis(now)}}}}}};
}

bool IsOpenHealthEvent(const nlohmann::json& event) {
  if (event.contains("metadata") && event["metadata"].contains("deletionTimestamp")) return false;
  const nlohmann::json spec = event.value("spec", nlohmann::json::object());
  if (spec.value("isHealthy", false)) return false;
  const std::string phase =
      event.value("status", nlohmann::json::object()).value("phase", std::string());
  return phase != "Resolved" && phase != "Failed" && phase != "Cancelled";
}

bool IsFatalHealthEvent(const nlohmann::json& event) {
  return event.value("spec", nlohmann::json::object()).value("isFatal", false);
}

std::string EventGpuName(const nlohmann::json& event) {
  const nlohmann::json spec = event.value("spec", nlohmann::json::object());
  return spec.value("metadata", nlohmann::json::object()).value("gpuName", std::string());
}

}  // namespace nvsx::publisher
