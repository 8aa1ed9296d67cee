#include "kube/types/janitor_patches.h"

#include "core/str_cat.h"
#include "core/time_format.h"

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

json NewRequest(std::string_view kind, const std::string& name, json spec) {
  return {{"apiVersion", core::StrCat(kJanitorGroup, "/", kJanitorVersion)},
          {"kind", kind},
          {"metadata", {{"name", name}}},
          {"spec", std::move(spec)}};
}

ObjectPatch StatusPatch(const JanitorRequest& request, const char* time_field,
                        std::optional<absl::Time> already, Condition condition, absl::Time now) {
  std::vector<Condition> conditions = request.conditions();
  SetCondition(conditions, std::move(condition), now);
  json status = {{"conditions", ConditionsToJson(conditions)}};
  if (!already) status[time_field] = core::FormatTimestamp(now);
  return {PatchType::kMerge,
          {{"metadata", {{"resourceVersion", request.metadata().resource_version()}}},
           {"status", std::move(status)}}};
}

}  // namespace

json NewRebootNode(const std::string& name, const std::string& node_name, bool force) {
  return NewRequest("RebootNode", name, {{"nodeName", node_name}, {"force", force}});
}

json NewGpuReset(const std::string& name, const std::string& node_name,
                 const std::vector<std::string>& gpu_uuids) {
  json spec = {{"nodeName", node_name}};
  if (!gpu_uuids.empty()) spec["gpuUUIDs"] = gpu_uuids;
  return NewRequest("GPUReset", name, std::move(spec));
}

ObjectPatch JanitorStartedPatch(const JanitorRequest& request, Condition condition,
                                absl::Time now) {
  return StatusPatch(request, "startTime", request.start_time(), std::move(condition), now);
}

ObjectPatch JanitorFinishedPatch(const JanitorRequest& request, Condition condition,
                                 absl::Time now) {
  return StatusPatch(request, "completionTime", request.completion_time(), std::move(condition),
                     now);
}

}  // namespace nvsx::kube
