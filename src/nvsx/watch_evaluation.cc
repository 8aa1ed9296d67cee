#include "nvsx/watch_evaluation.h"

#include <algorithm>
#include <optional>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "core/json_member.h"
#include "core/str_cat.h"
#include "core/text.h"
#include "nvsx/expectation.h"

namespace nvsx::op {
namespace {

using nlohmann::json;

std::string Text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

std::string ObjectName(const json& object) {
  return Text(core::JsonAt(object, {"metadata", "name"}));
}

// The single target node, if the source has listed it.
const json* TargetNode(std::span<const ObjectList> sources) {
  if (sources.empty() || sources[0].empty()) return nullptr;
  return sources[0].front().get();
}

WatchVerdict NodeAbsent(const WatchScope& scope) {
  return {false, core::StrCat("node ", scope.target_node, " not found")};
}

// expect forms on a pod watch: a count comparison, FIELD(=|==|!=)VALUE for
// every pod, or text the phases must contain.
WatchVerdict EvaluatePods(const WatchClause& clause, const ObjectList& pods) {
  static const std::regex kCount(R"(^\s*(>=|<=|==|!=|>|<)\s*[0-9]+\s*$)");
  static const std::regex kField(R"(^\s*([A-Za-z][A-Za-z0-9_.]*)\s*(==|!=|=)\s*(.*?)\s*$)");
  const std::string& expect = clause.Field("expect");
  const std::string& selector = clause.Field("selector");
  const std::string matching = core::StrCat(pods.size(), " pods match \"", selector, "\"");
  if (expect.empty()) return {!pods.empty(), matching};
  if (std::regex_match(expect, kCount)) {
    const ExpectationResult count = MatchExpectation(expect, std::to_string(pods.size()));
    return {count.met, core::StrCat(matching, " (want ", expect, ")")};
  }
  if (std::smatch match; std::regex_match(expect, match, kField)) {
    const std::string path = match[1] == "phase" ? "status.phase" : match[1].str();
    const bool negate = match[2] == "!=";
    const std::string want = match[3];
    for (const auto& pod : pods) {
      const std::string got = FieldText(*pod, path);
      if ((got == want) == negate) {
        return {false, core::StrCat("pod ", ObjectName(*pod), " has ", path, "=", got)};
      }
    }
    // Every pod holds; with none, only a "!=" holds (nothing is left to differ).
    return {!pods.empty() || negate, core::StrCat(matching, " (want ", expect, ")")};
  }
  std::vector<std::string> phases;
  for (const auto& pod : pods) phases.push_back(Text(core::JsonAt(*pod, {"status", "phase"})));
  std::sort(phases.begin(), phases.end());
  const ExpectationResult result = MatchExpectation(expect, absl::StrJoin(phases, " "));
  return {result.met, core::StrCat("pods \"", selector, "\": ", result.explanation)};
}

WatchVerdict EvaluateNodeField(const WatchClause& clause, const WatchScope& scope,
                               const json& node) {
  const std::string& field = clause.Field("field");
  const std::string got = FieldText(node, field);
  const ExpectationResult result = MatchExpectation(clause.Field("expect"), got);
  return {result.met,
          core::StrCat("node ", scope.target_node, " ", field, ": ", result.explanation)};
}

WatchVerdict EvaluateNodeCondition(const WatchClause& clause, const WatchScope& scope,
                                   const json& node) {
  const std::string& type = clause.Field("type");
  const std::string want = clause.Field("status").empty() ? "True" : clause.Field("status");
  const json& conditions = core::JsonAt(node, {"status", "conditions"});
  if (conditions.is_array()) {
    for (const json& condition : conditions) {
      if (Text(core::JsonAt(condition, {"type"})) != type) continue;
      const std::string status = Text(core::JsonAt(condition, {"status"}));
      return {status == want, core::StrCat("node ", scope.target_node, " condition ", type, "=",
                                           status, " (want ", want, ")")};
    }
  }
  return {false, core::StrCat("node ", scope.target_node, " has no condition ", type)};
}

WatchVerdict EvaluateTaint(const WatchClause& clause, const WatchScope& scope, const json& node) {
  const std::string& key = clause.Field("key");
  const std::string& effect = clause.Field("effect");
  const json& taints = core::JsonAt(node, {"spec", "taints"});
  if (taints.is_array()) {
    for (const json& taint : taints) {
      if (Text(core::JsonAt(taint, {"key"})) != key) continue;
      const std::string got_effect = Text(core::JsonAt(taint, {"effect"}));
      if (!effect.empty() && got_effect != effect) continue;
      return {true, core::StrCat("node ", scope.target_node, " taint ", key, ":", got_effect)};
    }
  }
  return {false, core::StrCat("node ", scope.target_node, " has no taint ", key,
                              effect.empty() ? "" : ":", effect)};
}

WatchVerdict EvaluateCrd(const WatchClause& clause, const WatchScope& scope,
                         const ObjectList& objects) {
  const std::string& resource = clause.Field("resource");
  for (const auto& object : objects) {
    const json& spec = core::JsonAt(*object, {"spec"});
    std::string node = Text(core::JsonMember(spec, "nodeName"));
    if (node.empty()) node = Text(core::JsonMember(spec, "node"));
    if (node == scope.target_node) {
      return {true, core::StrCat(resource, "/", ObjectName(*object), " for node ", node)};
    }
  }
  return {false, core::StrCat("no ", resource, " for node ", scope.target_node)};
}

std::optional<absl::Time> EventTime(const json& event) {
  for (const char* field : {"lastTimestamp", "eventTime", "firstTimestamp"}) {
    absl::Time time;
    std::string error;
    const std::string text = Text(core::JsonAt(event, {field}));
    if (!text.empty() && absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return time;
  }
  const std::string created = Text(core::JsonAt(event, {"metadata", "creationTimestamp"}));
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, created, &time, &error)) return time;
  return std::nullopt;
}

WatchVerdict EvaluatePodEvent(const WatchClause& clause, const WatchScope& scope,
                              const ObjectList& events, const ObjectList& pods_on_node) {
  const std::string& reason = clause.Field("reason");
  for (const auto& event : events) {
    if (Text(core::JsonAt(*event, {"reason"})) != reason) continue;
    const std::optional<absl::Time> time = EventTime(*event);
    // Whole-second timestamps: an event in the run's first second counts.
    if (time && *time < absl::FromUnixSeconds(absl::ToUnixSeconds(scope.events_since))) continue;
    const json& involved = core::JsonAt(*event, {"involvedObject"});
    const std::string pod = Text(core::JsonAt(involved, {"name"}));
    const std::string namespace_name = Text(core::JsonAt(involved, {"namespace"}));
    bool on_node = Text(core::JsonAt(*event, {"source", "host"})) == scope.target_node ||
                   Text(core::JsonAt(*event, {"reportingInstance"})) == scope.target_node;
    for (const auto& candidate : pods_on_node) {
      if (on_node) break;
      on_node = ObjectName(*candidate) == pod &&
                Text(core::JsonAt(*candidate, {"metadata", "namespace"})) == namespace_name;
    }
    if (on_node) {
      return {true, core::StrCat("event ", reason, " on pod ", namespace_name, "/", pod)};
    }
  }
  return {false, core::StrCat("no ", reason, " event about a pod on ", scope.target_node)};
}

bool PhaseReached(const json& event, const std::string& phase) {
  if (absl::EqualsIgnoreCase(Text(core::JsonAt(event, {"status", "phase"})), phase)) return true;
  const json& times = core::JsonAt(event, {"status", "phaseTimes"});
  if (!times.is_object()) return false;
  for (const auto& [name, value] : times.items()) {
    if (absl::EqualsIgnoreCase(name, phase)) return true;
  }
  return false;
}

bool HasXid(const json& event, const std::string& xid) {
  const json& codes = core::JsonAt(event, {"spec", "errorCode"});
  if (!codes.is_array()) return false;
  return std::any_of(codes.begin(), codes.end(),
                     [&](const json& code) { return Text(code) == xid; });
}

WatchVerdict EvaluateHealthEvent(const WatchClause& clause, const WatchScope& scope,
                                 const ObjectList& events) {
  const std::string& phase = clause.Field("phase");
  const std::string& check = clause.Field("check");
  const std::string& xid = clause.Field("xid");
  for (const auto& event : events) {
    if (Text(core::JsonAt(*event, {"spec", "nodeName"})) != scope.target_node) continue;
    if (!check.empty() && Text(core::JsonAt(*event, {"spec", "checkName"})) != check) continue;
    if (!xid.empty() && !HasXid(*event, xid)) continue;
    if (!phase.empty() && !PhaseReached(*event, phase)) continue;
    return {true, core::StrCat("healthevent ", ObjectName(*event), " phase ",
                               Text(core::JsonAt(*event, {"status", "phase"})))};
  }
  std::vector<std::string> wanted;
  if (!check.empty()) wanted.push_back(core::StrCat("check ", check));
  if (!xid.empty()) wanted.push_back(core::StrCat("xid ", xid));
  if (!phase.empty()) wanted.push_back(core::StrCat("phase ", phase));
  return {false, core::StrCat("no healthevent for ", scope.target_node, " with ",
                              absl::StrJoin(wanted, ", "))};
}

}  // namespace

std::string FieldText(const json& object, std::string_view path) {
  const json* node = &object;
  const std::vector<std::string> keys =
      absl::StrSplit(absl::string_view(path.data(), path.size()), '.');
  for (const std::string& key : keys) {
    if (!node->is_object()) return "";
    auto it = node->find(key);
    if (it == node->end()) return path == "spec.unschedulable" ? "false" : "";
    node = &*it;
  }
  return Text(*node);
}

WatchVerdict EvaluateWatch(const WatchClause& clause, const WatchScope& scope,
                           std::span<const ObjectList> sources) {
  switch (clause.kind) {
    case WatchKind::kPod:
      return EvaluatePods(clause, sources.empty() ? ObjectList{} : sources[0]);
    case WatchKind::kNode:
    case WatchKind::kNodeCondition:
    case WatchKind::kTaint: {
      const json* node = TargetNode(sources);
      if (node == nullptr) return NodeAbsent(scope);
      if (clause.kind == WatchKind::kNode) return EvaluateNodeField(clause, scope, *node);
      if (clause.kind == WatchKind::kTaint) return EvaluateTaint(clause, scope, *node);
      return EvaluateNodeCondition(clause, scope, *node);
    }
    case WatchKind::kCrd:
      return EvaluateCrd(clause, scope, sources.empty() ? ObjectList{} : sources[0]);
    case WatchKind::kPodEvent:
      if (sources.size() < 2) return {false, "pod-event watch needs events and pods"};
      return EvaluatePodEvent(clause, scope, sources[0], sources[1]);
    case WatchKind::kHealthEvent:
      return EvaluateHealthEvent(clause, scope, sources.empty() ? ObjectList{} : sources[0]);
    case WatchKind::kLog:
    case WatchKind::kTrainingLog:
    case WatchKind::kMongoEvent:
      break;
  }
  return {false, "not an object watch"};
}

}  // namespace nvsx::op
