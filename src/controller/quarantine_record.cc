#include "controller/quarantine_record.h"

#include <algorithm>

#include "controller/names.h"
#include "core/str_cat.h"
#include "core/time_format.h"
#include "kube/types/json_fields.h"
#include "kube/types/node_patches.h"

namespace nvsx::controller {
namespace {

std::vector<std::string> SplitList(const std::optional<std::string>& text) {
  std::vector<std::string> items;
  if (!text) return items;
  size_t start = 0;
  while (start <= text->size()) {
    size_t comma = text->find(',', start);
    if (comma == std::string::npos) comma = text->size();
    std::string item = text->substr(start, comma - start);
    if (!item.empty()) items.push_back(std::move(item));
    start = comma + 1;
  }
  return items;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) core::StrAppend(&text, text.empty() ? "" : ",", item);
  return text;
}

}  // namespace

QuarantineRecord QuarantineRecord::FromNode(const kube::Node& node) {
  const kube::ObjectMeta meta = node.metadata();
  QuarantineRecord record;
  std::optional<std::string> by = meta.Annotation(kQuarantinedByAnnotation);
  record.present = by.has_value();
  record.events = SplitList(by);
  if (auto at = meta.Annotation(kQuarantinedAtAnnotation)) record.since = kube::ParseTimestamp(*at);
  record.cordoned_by_us = meta.Annotation(kCordonedByAnnotation) == std::string(kCordonedByUs);
  record.taints = SplitList(meta.Annotation(kQuarantineTaintsAnnotation));
  record.reason = meta.Annotation(kQuarantineReasonAnnotation).value_or("");
  return record;
}

bool QuarantineRecord::Holds(const std::string& event) const {
  return std::find(events.begin(), events.end(), event) != events.end();
}

std::string TaintString(const kube::Taint& taint) {
  return core::StrCat(taint.key, taint.value.empty() ? "" : "=", taint.value, ":", taint.effect);
}

std::optional<kube::ObjectPatch> QuarantinePatch(const kube::Node& node, const std::string& event,
                                                 const kube::Taint& taint,
                                                 const std::string& reason, absl::Time now) {
  QuarantineRecord record = QuarantineRecord::FromNode(node);
  std::optional<kube::ObjectPatch> taint_patch = kube::AddTaintPatch(node, taint);
  if (record.Holds(event) && node.unschedulable() && !taint_patch) return std::nullopt;

  nlohmann::json annotations = nlohmann::json::object();
  if (!record.Holds(event)) record.events.push_back(event);
  annotations[std::string(kQuarantinedByAnnotation)] = JoinList(record.events);
  if (!record.since) {
    annotations[std::string(kQuarantinedAtAnnotation)] = core::FormatTimestampMillis(now);
  }
  // A cordon that was there before our first record is someone else's; one
  // we put back after someone lifted it is ours.
  const bool ours = !node.unschedulable() || (record.present && record.cordoned_by_us);
  annotations[std::string(kCordonedByAnnotation)] = ours ? kCordonedByUs : kCordonedByOther;
  if (taint_patch) {
    const std::string ours_taint = TaintString(taint);
    if (std::find(record.taints.begin(), record.taints.end(), ours_taint) == record.taints.end()) {
      record.taints.push_back(ours_taint);
    }
  }
  annotations[std::string(kQuarantineTaintsAnnotation)] = JoinList(record.taints);
  annotations[std::string(kQuarantineReasonAnnotation)] = reason;

  kube::ObjectPatch patch{kube::PatchType::kStrategicMerge,
                          {{"metadata",
                            {{"resourceVersion", node.metadata().resource_version()},
                             {"annotations", std::move(annotations)}}},
                           {"spec", {{"unschedulable", true}}}}};
  if (taint_patch) patch.body["spec"]["taints"] = taint_patch->body["spec"]["taints"];
  return patch;
}

std::optional<kube::ObjectPatch> ReleasePatch(const kube::Node& node, const std::string& event,
                                              bool release) {
  QuarantineRecord record = QuarantineRecord::FromNode(node);
  if (!record.present) return std::nullopt;
  nlohmann::json metadata = {{"resourceVersion", node.metadata().resource_version()}};
  if (!release) {
    if (!record.Holds(event)) return std::nullopt;
    std::erase(record.events, event);
    metadata["annotations"] = {{std::string(kQuarantinedByAnnotation), JoinList(record.events)}};
    return kube::ObjectPatch{kube::PatchType::kStrategicMerge, {{"metadata", std::move(metadata)}}};
  }
  nlohmann::json annotations = nlohmann::json::object();
  for (std::string_view key :
       {kQuarantinedByAnnotation, kQuarantinedAtAnnotation, kCordonedByAnnotation,
        kQuarantineTaintsAnnotation, kQuarantineReasonAnnotation}) {
    annotations[std::string(key)] = nullptr;
  }
  metadata["annotations"] = std::move(annotations);
  nlohmann::json spec = nlohmann::json::object();
  if (record.cordoned_by_us && node.unschedulable()) spec["unschedulable"] = nullptr;
  const std::vector<kube::Taint> taints = node.taints();
  nlohmann::json kept = nlohmann::json::array();
  for (const kube::Taint& taint : taints) {
    const std::string text = TaintString(taint);
    if (std::find(record.taints.begin(), record.taints.end(), text) == record.taints.end()) {
      kept.push_back(taint.ToJson());
    }
  }
  // Taints have no merge key: the list is replaced whole.
  if (kept.size() != taints.size()) spec["taints"] = std::move(kept);
  nlohmann::json body = {{"metadata", std::move(metadata)}};
  if (!spec.empty()) body["spec"] = std::move(spec);
  return kube::ObjectPatch{kube::PatchType::kStrategicMerge, std::move(body)};
}

}  // namespace nvsx::controller
