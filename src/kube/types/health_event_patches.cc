#include "kube/types/health_event_patches.h"

#include <algorithm>

#include "core/time_format.h"

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

ObjectPatch StatusPatch(const HealthEvent& event, json status) {
  return {PatchType::kMerge,
          {{"metadata", {{"resourceVersion", event.metadata().resource_version()}}},
           {"status", std::move(status)}}};
}

json TextOrNull(std::string_view text) { return text.empty() ? json(nullptr) : json(text); }

}  // namespace

json NewHealthEvent(const std::string& name, const HealthEventSpec& spec) {
  const ResourceRef resource = HealthEventsResource();
  return {{"apiVersion", resource.group + "/" + resource.version},
          {"kind", "HealthEvent"},
          {"metadata", {{"name", name}}},
          {"spec", spec.ToJson()}};
}

ObjectPatch HealthEventPhasePatch(const HealthEvent& event, HealthEventPhase phase, absl::Time now,
                                  std::string_view reason, std::string_view message) {
  json status = {{"phase", HealthEventPhaseName(phase)},
                 {"reason", TextOrNull(reason)},
                 {"message", TextOrNull(message)},
                 {"observedGeneration", event.metadata().generation()}};
  if (!event.PhaseTime(phase)) {
    status["phaseTimes"] = {{HealthEventPhaseName(phase), core::FormatTimestampMillis(now)}};
  }
  return StatusPatch(event, std::move(status));
}

ObjectPatch HealthEventConditionPatch(const HealthEvent& event, Condition condition,
                                      absl::Time now) {
  std::vector<Condition> conditions = event.conditions();
  SetCondition(conditions, std::move(condition), now);
  return StatusPatch(event, {{"conditions", ConditionsToJson(conditions)}});
}

ObjectPatch HealthEventRemediationPatch(const HealthEvent& event,
                                        const RemediationRef& remediation) {
  return StatusPatch(event, {{"remediation",
                              {{"apiVersion", remediation.api_version},
                               {"kind", remediation.kind},
                               {"name", remediation.name}}}});
}

ObjectPatch HealthEventEvictedPodsPatch(const HealthEvent& event, const std::vector<PodRef>& pods) {
  std::vector<PodRef> all = event.evicted_pods();
  for (const PodRef& pod : pods) {
    if (std::find(all.begin(), all.end(), pod) == all.end()) all.push_back(pod);
  }
  json list = json::array();
  for (const PodRef& pod : all) {
    list.push_back({{"namespace", pod.namespace_name}, {"name", pod.name}});
  }
  return StatusPatch(event, {{"evictedPods", std::move(list)}});
}

}  // namespace nvsx::kube
