#include "kube/types/health_event.h"

#include "core/time_format.h"

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

BehaviourOverrides OverridesOf(const json* overrides) {
  if (overrides == nullptr) return {};
  return {BoolOf(FieldAt(*overrides, {"force"})), BoolOf(FieldAt(*overrides, {"skip"}))};
}

json OverridesToJson(const BehaviourOverrides& overrides) {
  return {{"force", overrides.force}, {"skip", overrides.skip}};
}

}  // namespace

ResourceRef HealthEventsResource() {
  return ResourceRef{"nvsentinel.nvidia.com", "v1alpha1", "healthevents", "", "", ""};
}

json HealthEventSpec::ToJson() const {
  json spec = {{"version", version},
               {"agent", agent},
               {"checkName", check_name},
               {"nodeName", node_name},
               {"isFatal", is_fatal},
               {"isHealthy", is_healthy},
               {"recommendedAction", RecommendedActionName(recommended_action)},
               {"processingStrategy", ProcessingStrategyName(processing_strategy)}};
  if (!component_class.empty()) spec["componentClass"] = component_class;
  if (!message.empty()) spec["message"] = message;
  if (!error_codes.empty()) spec["errorCode"] = error_codes;
  if (!entities_impacted.empty()) {
    json entities = json::array();
    for (const ImpactedEntity& entity : entities_impacted) {
      entities.push_back({{"entityType", entity.type}, {"entityValue", entity.value}});
    }
    spec["entitiesImpacted"] = std::move(entities);
  }
  if (!metadata.empty()) spec["metadata"] = metadata;
  if (generated_timestamp) {
    spec["generatedTimestamp"] = core::FormatTimestampMillis(*generated_timestamp);
  }
  if (quarantine_overrides != BehaviourOverrides{}) {
    spec["quarantineOverrides"] = OverridesToJson(quarantine_overrides);
  }
  if (drain_overrides != BehaviourOverrides{}) {
    spec["drainOverrides"] = OverridesToJson(drain_overrides);
  }
  return spec;
}

HealthEventSpec HealthEvent::spec() const {
  HealthEventSpec spec;
  spec.version = IntOf(Field({"spec", "version"})).value_or(1);
  spec.agent = StringOf(Field({"spec", "agent"}));
  spec.component_class = StringOf(Field({"spec", "componentClass"}));
  spec.check_name = check_name();
  spec.is_fatal = is_fatal();
  spec.is_healthy = is_healthy();
  spec.message = StringOf(Field({"spec", "message"}));
  spec.recommended_action = recommended_action();
  spec.error_codes = error_codes();
  for (const json& entity : ArrayOf(Field({"spec", "entitiesImpacted"}))) {
    if (!entity.is_object()) continue;
    spec.entities_impacted.push_back(
        {StringOf(FieldAt(entity, {"entityType"})), StringOf(FieldAt(entity, {"entityValue"}))});
  }
  spec.metadata = StringMapOf(Field({"spec", "metadata"}));
  spec.generated_timestamp = TimeOf(Field({"spec", "generatedTimestamp"}));
  spec.node_name = node_name();
  spec.quarantine_overrides = OverridesOf(Field({"spec", "quarantineOverrides"}));
  spec.drain_overrides = OverridesOf(Field({"spec", "drainOverrides"}));
  spec.processing_strategy = processing_strategy();
  return spec;
}

std::string HealthEvent::node_name() const { return StringOf(Field({"spec", "nodeName"})); }
std::string HealthEvent::check_name() const { return StringOf(Field({"spec", "checkName"})); }
bool HealthEvent::is_fatal() const { return BoolOf(Field({"spec", "isFatal"})); }
bool HealthEvent::is_healthy() const { return BoolOf(Field({"spec", "isHealthy"})); }

RecommendedAction HealthEvent::recommended_action() const {
  const json* action = Field({"spec", "recommendedAction"});
  if (action == nullptr) return RecommendedAction::kNone;
  return ParseRecommendedAction(StringOf(action)).value_or(RecommendedAction::kUnknown);
}

std::vector<std::string> HealthEvent::error_codes() const {
  return StringListOf(Field({"spec", "errorCode"}));
}

ProcessingStrategy HealthEvent::processing_strategy() const {
  return ParseProcessingStrategy(StringOf(Field({"spec", "processingStrategy"})))
      .value_or(ProcessingStrategy::kUnspecified);
}

HealthEventPhase HealthEvent::phase() const {
  return ParseHealthEventPhase(StringOf(Field({"status", "phase"})))
      .value_or(HealthEventPhase::kNew);
}

bool HealthEvent::HasPhase() const {
  return ParseHealthEventPhase(StringOf(Field({"status", "phase"}))).has_value();
}

std::string HealthEvent::status_reason() const { return StringOf(Field({"status", "reason"})); }
std::string HealthEvent::status_message() const { return StringOf(Field({"status", "message"})); }

std::map<HealthEventPhase, absl::Time> HealthEvent::phase_times() const {
  std::map<HealthEventPhase, absl::Time> times;
  for (const auto& [name, stamp] : StringMapOf(Field({"status", "phaseTimes"}))) {
    std::optional<HealthEventPhase> phase = ParseHealthEventPhase(name);
    std::optional<absl::Time> time = ParseTimestamp(stamp);
    if (phase && time) times.emplace(*phase, *time);
  }
  return times;
}

std::optional<absl::Time> HealthEvent::PhaseTime(HealthEventPhase phase) const {
  return TimeOf(Field({"status", "phaseTimes", HealthEventPhaseName(phase)}));
}

std::vector<Condition> HealthEvent::conditions() const {
  return ConditionsOf(Field({"status", "conditions"}));
}

std::optional<RemediationRef> HealthEvent::remediation() const {
  const json* remediation = Field({"status", "remediation"});
  if (remediation == nullptr || !remediation->is_object()) return std::nullopt;
  return RemediationRef{StringOf(FieldAt(*remediation, {"apiVersion"})),
                        StringOf(FieldAt(*remediation, {"kind"})),
                        StringOf(FieldAt(*remediation, {"name"}))};
}

std::vector<PodRef> HealthEvent::evicted_pods() const {
  std::vector<PodRef> pods;
  for (const json& pod : ArrayOf(Field({"status", "evictedPods"}))) {
    if (!pod.is_object()) continue;
    pods.push_back({StringOf(FieldAt(pod, {"namespace"})), StringOf(FieldAt(pod, {"name"}))});
  }
  return pods;
}

std::optional<int64_t> HealthEvent::observed_generation() const {
  return IntOf(Field({"status", "observedGeneration"}));
}

absl::Status HealthEvent::Validate() const {
  FieldChecker checker(object(), Describe("HealthEvent"));
  ObjectMeta::Check(checker);
  if (Field({"spec"}) == nullptr) checker.Fail("spec", "is required");
  checker.Object("spec");
  checker.Integer("spec.version");
  checker.String("spec.nodeName", /*required=*/true);
  checker.String("spec.agent", /*required=*/true);
  checker.String("spec.checkName", /*required=*/true);
  checker.String("spec.componentClass");
  checker.Bool("spec.isFatal");
  checker.Bool("spec.isHealthy");
  checker.String("spec.message");
  checker.OneOf("spec.recommendedAction", RecommendedActionNames());
  checker.StringList("spec.errorCode");
  checker.EachObject("spec.entitiesImpacted", [&](const std::string& entity) {
    checker.String(entity + ".entityType", /*required=*/true);
    checker.String(entity + ".entityValue", /*required=*/true);
  });
  checker.StringMap("spec.metadata");
  checker.Time("spec.generatedTimestamp");
  for (const char* overrides : {"spec.quarantineOverrides", "spec.drainOverrides"}) {
    checker.Object(overrides);
    checker.Bool(std::string(overrides) + ".force");
    checker.Bool(std::string(overrides) + ".skip");
  }
  checker.OneOf("spec.processingStrategy", ProcessingStrategyNames());
  checker.Object("status");
  checker.OneOf("status.phase", HealthEventPhaseNames());
  checker.String("status.reason");
  checker.String("status.message");
  checker.StringMap("status.phaseTimes");
  for (const auto& [name, stamp] : StringMapOf(Field({"status", "phaseTimes"}))) {
    if (!ParseHealthEventPhase(name)) {
      checker.Fail("status.phaseTimes", "has an entry for the unknown phase \"" + name + "\"");
    }
    checker.Time("status.phaseTimes." + name);
  }
  CheckConditions(checker, "status.conditions");
  checker.Object("status.remediation");
  checker.EachObject("status.evictedPods", [&](const std::string& pod) {
    checker.String(pod + ".namespace");
    checker.String(pod + ".name");
  });
  checker.Integer("status.observedGeneration");
  return checker.Result();
}

}  // namespace nvsx::kube
