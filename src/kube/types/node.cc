#include "kube/types/node.h"

#include "core/str_cat.h"
#include "core/time_format.h"

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

int64_t GpuQuantity(const json* resources) {
  const json* quantity = resources == nullptr ? nullptr : FieldAt(*resources, {kGpuResource});
  if (quantity == nullptr) return 0;
  if (quantity->is_number_integer()) return quantity->get<int64_t>();
  return ParseIntegerQuantity(StringOf(quantity)).value_or(0);
}

void CheckGpuQuantity(FieldChecker& checker, const json& object, std::string_view field) {
  const json* quantity = FieldAt(object, {"status", field, kGpuResource});
  if (quantity == nullptr || quantity->is_number_integer()) return;
  if (!ParseIntegerQuantity(StringOf(quantity))) {
    checker.Fail(core::StrCat("status.", field, "[\"", kGpuResource, "\"]"),
                 core::StrCat("must be an integer quantity, not ", quantity->dump()));
  }
}

}  // namespace

json Taint::ToJson() const {
  json out = {{"key", key}, {"effect", effect}};
  if (!value.empty()) out["value"] = value;
  if (time_added) out["timeAdded"] = core::FormatTimestamp(*time_added);
  return out;
}

bool Node::unschedulable() const { return BoolOf(Field({"spec", "unschedulable"})); }
std::string Node::provider_id() const { return StringOf(Field({"spec", "providerID"})); }

std::vector<Taint> Node::taints() const {
  std::vector<Taint> taints;
  for (const json& taint : ArrayOf(Field({"spec", "taints"}))) {
    const json* key = FieldAt(taint, {"key"});
    if (key == nullptr || !key->is_string()) continue;
    taints.push_back({key->get<std::string>(), StringOf(FieldAt(taint, {"value"})),
                      StringOf(FieldAt(taint, {"effect"})), TimeOf(FieldAt(taint, {"timeAdded"}))});
  }
  return taints;
}

bool Node::HasTaint(std::string_view key, std::string_view effect) const {
  for (const Taint& taint : taints()) {
    if (taint.key == key && (effect.empty() || taint.effect == effect)) return true;
  }
  return false;
}

std::vector<Condition> Node::conditions() const {
  return ConditionsOf(Field({"status", "conditions"}));
}

std::optional<Condition> Node::FindCondition(std::string_view type) const {
  const std::vector<Condition> all = conditions();
  const Condition* found = kube::FindCondition(all, type);
  return found == nullptr ? std::nullopt : std::optional<Condition>(*found);
}

bool Node::Ready() const {
  std::optional<Condition> ready = FindCondition("Ready");
  return ready && ready->IsTrue();
}

int64_t Node::AllocatableGpus() const { return GpuQuantity(Field({"status", "allocatable"})); }
int64_t Node::CapacityGpus() const { return GpuQuantity(Field({"status", "capacity"})); }

bool Node::GpuPresent() const { return metadata().Label(kGpuPresentLabel) == "true"; }
std::string Node::GpuProduct() const { return metadata().Label(kGpuProductLabel).value_or(""); }

absl::Status Node::Validate() const {
  FieldChecker checker(object(), Describe("Node"));
  ObjectMeta::Check(checker);
  checker.Object("spec");
  checker.Bool("spec.unschedulable");
  checker.String("spec.providerID");
  checker.EachObject("spec.taints", [&](const std::string& taint) {
    checker.String(taint + ".key", /*required=*/true);
    checker.String(taint + ".value");
    checker.OneOf(taint + ".effect", {"NoSchedule", "PreferNoSchedule", "NoExecute"});
    checker.Time(taint + ".timeAdded");
  });
  checker.Object("status");
  CheckConditions(checker, "status.conditions");
  checker.Object("status.allocatable");
  checker.Object("status.capacity");
  CheckGpuQuantity(checker, object(), "allocatable");
  CheckGpuQuantity(checker, object(), "capacity");
  return checker.Result();
}

}  // namespace nvsx::kube
