#include "kube/types/node_patches.h"

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

ObjectPatch TaintsPatch(const Node& node, const std::vector<Taint>& taints) {
  json list = json::array();
  for (const Taint& taint : taints) list.push_back(taint.ToJson());
  return {PatchType::kStrategicMerge,
          {{"metadata", {{"resourceVersion", node.metadata().resource_version()}}},
           {"spec", {{"taints", std::move(list)}}}}};
}

}  // namespace

ObjectPatch CordonPatch() { return {PatchType::kMerge, {{"spec", {{"unschedulable", true}}}}}; }

ObjectPatch UncordonPatch() {
  return {PatchType::kMerge, {{"spec", {{"unschedulable", nullptr}}}}};
}

std::optional<ObjectPatch> AddTaintPatch(const Node& node, const Taint& taint) {
  std::vector<Taint> taints = node.taints();
  for (Taint& existing : taints) {
    if (existing.key != taint.key || existing.effect != taint.effect) continue;
    if (existing.value == taint.value) return std::nullopt;
    existing = taint;
    return TaintsPatch(node, taints);
  }
  taints.push_back(taint);
  return TaintsPatch(node, taints);
}

std::optional<ObjectPatch> RemoveTaintPatch(const Node& node, std::string_view key,
                                            std::string_view effect) {
  std::vector<Taint> taints = node.taints();
  const size_t before = taints.size();
  std::erase_if(taints, [&](const Taint& taint) {
    return taint.key == key && (effect.empty() || taint.effect == effect);
  });
  if (taints.size() == before) return std::nullopt;
  return TaintsPatch(node, taints);
}

ObjectPatch SetNodeConditionPatch(const Node& node, Condition condition, absl::Time now) {
  std::vector<Condition> conditions = node.conditions();
  condition.last_heartbeat_time = now;
  const std::string type = condition.type;
  SetCondition(conditions, std::move(condition), now);
  return {PatchType::kStrategicMerge,
          {{"status", {{"conditions", json::array({FindCondition(conditions, type)->ToJson()})}}}}};
}

}  // namespace nvsx::kube
