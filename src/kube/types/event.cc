#include "kube/types/event.h"

#include <algorithm>

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

void PutIfSet(json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

}  // namespace

ObjectReference ObjectReference::To(const ObjectView& object) {
  const ObjectMeta meta = object.metadata();
  return {object.api_version(),
          object.kind(),
          meta.namespace_name(),
          meta.name(),
          meta.uid(),
          meta.resource_version(),
          ""};
}

json ObjectReference::ToJson() const {
  json out = json::object();
  PutIfSet(out, "apiVersion", api_version);
  PutIfSet(out, "kind", kind);
  PutIfSet(out, "namespace", namespace_name);
  PutIfSet(out, "name", name);
  PutIfSet(out, "uid", uid);
  PutIfSet(out, "resourceVersion", resource_version);
  PutIfSet(out, "fieldPath", field_path);
  return out;
}

ObjectReference ObjectReference::FromJson(const json* reference) {
  if (reference == nullptr) return {};
  return {StringOf(FieldAt(*reference, {"apiVersion"})),
          StringOf(FieldAt(*reference, {"kind"})),
          StringOf(FieldAt(*reference, {"namespace"})),
          StringOf(FieldAt(*reference, {"name"})),
          StringOf(FieldAt(*reference, {"uid"})),
          StringOf(FieldAt(*reference, {"resourceVersion"})),
          StringOf(FieldAt(*reference, {"fieldPath"}))};
}

bool Event::IsEventsV1() const { return api_version() == "events.k8s.io/v1"; }

ObjectReference Event::regarding() const {
  return ObjectReference::FromJson(IsEventsV1() ? Field({"regarding"}) : Field({"involvedObject"}));
}

std::string Event::reason() const { return StringOf(Field({"reason"})); }
std::string Event::note() const { return StringOf(Field({IsEventsV1() ? "note" : "message"})); }
std::string Event::type() const { return StringOf(Field({"type"})); }
std::string Event::action() const { return StringOf(Field({"action"})); }

std::string Event::reporting_controller() const {
  if (IsEventsV1()) return StringOf(Field({"reportingController"}));
  std::string component = StringOf(Field({"reportingComponent"}));
  return component.empty() ? StringOf(Field({"source", "component"})) : component;
}

std::string Event::reporting_instance() const { return StringOf(Field({"reportingInstance"})); }

int64_t Event::count() const {
  std::optional<int64_t> count = IntOf(Field({"series", "count"}));
  if (!count) count = IntOf(Field({IsEventsV1() ? "deprecatedCount" : "count"}));
  return std::max<int64_t>(1, count.value_or(1));
}

std::optional<absl::Time> Event::first_time() const {
  std::optional<absl::Time> time = TimeOf(Field({"eventTime"}));
  if (!time) time = TimeOf(Field({IsEventsV1() ? "deprecatedFirstTimestamp" : "firstTimestamp"}));
  return time;
}

std::optional<absl::Time> Event::last_time() const {
  std::optional<absl::Time> time = TimeOf(Field({"series", "lastObservedTime"}));
  if (!time) time = TimeOf(Field({IsEventsV1() ? "deprecatedLastTimestamp" : "lastTimestamp"}));
  return time ? time : first_time();
}

absl::Status Event::Validate() const {
  FieldChecker checker(object(), Describe("Event"));
  ObjectMeta::Check(checker);
  const char* regarding = IsEventsV1() ? "regarding" : "involvedObject";
  checker.Object(regarding);
  for (const char* field : {"kind", "name", "namespace", "uid"}) {
    checker.String(std::string(regarding) + "." + field);
  }
  for (const char* field : {"reason", "note", "message", "type", "action", "reportingController",
                            "reportingComponent", "reportingInstance"}) {
    checker.String(field);
  }
  checker.Object("series");
  checker.Integer("series.count");
  checker.Time("series.lastObservedTime");
  checker.Integer("count");
  checker.Integer("deprecatedCount");
  checker.Time("eventTime");
  for (const char* field :
       {"firstTimestamp", "lastTimestamp", "deprecatedFirstTimestamp", "deprecatedLastTimestamp"}) {
    checker.Time(field);
  }
  return checker.Result();
}

}  // namespace nvsx::kube
