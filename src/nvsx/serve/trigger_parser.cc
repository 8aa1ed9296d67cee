#include "nvsx/serve/trigger_parser.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "core/json_load.h"
#include "core/str_cat.h"
#include "nvsx/serve/trigger_names.h"

namespace nvsx::serve {
namespace {

using nlohmann::json;
using Result = std::variant<ParsedTriggers, RequestError>;

RequestError Bad(std::string field, std::string error, std::string fix) {
  return RequestError{400, std::move(field), std::move(error), std::move(fix)};
}

// The string at `object[key]`, or an error naming `field`.
std::variant<std::string, RequestError> StringField(const json& object, const std::string& key,
                                                    const std::string& field,
                                                    const std::string& fix) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Bad(field, "missing", fix);
  if (!it->is_string()) return Bad(field, "must be a string", fix);
  return it->get<std::string>();
}

// Checks the runbook and node a trigger names.
std::optional<RequestError> CheckNames(const Trigger& trigger, const std::string& runbook_field,
                                       const std::string& node_field) {
  if (!IsRunbookSlug(trigger.runbook)) {
    return Bad(runbook_field,
               core::StrCat(QuoteForMessage(trigger.runbook), " is not a runbook name"),
               "name a runbook by its slug (`nvsx list`): lower-case letters, digits and '-', "
               "no paths");
  }
  if (!IsNodeName(trigger.node)) {
    return Bad(node_field, core::StrCat(QuoteForMessage(trigger.node), " is not a node name"),
               "give a Kubernetes node name: lower-case letters, digits, '-' and '.', at most "
               "253 characters");
  }
  return std::nullopt;
}

// Reads `runbook_key` and `node_key` from `fields` into a trigger.
std::variant<Trigger, RequestError> NamedTrigger(const json& fields, const FieldNames& names,
                                                 const std::string& prefix, std::string source,
                                                 const std::string& fix) {
  Trigger trigger{"", "", std::move(source)};
  const std::string runbook_field = prefix + names.runbook;
  const std::string node_field = prefix + names.node;
  auto runbook = StringField(fields, names.runbook, runbook_field, fix);
  if (auto* error = std::get_if<RequestError>(&runbook)) return *error;
  auto node = StringField(fields, names.node, node_field, fix);
  if (auto* error = std::get_if<RequestError>(&node)) return *error;
  trigger.runbook = std::get<std::string>(runbook);
  trigger.node = std::get<std::string>(node);
  if (auto error = CheckNames(trigger, runbook_field, node_field)) return *error;
  return trigger;
}

Result ParseOwn(const json& body) {
  static const char* const kKeys[] = {"runbook", "target_node", "source", "payload"};
  for (const auto& [key, value] : body.items()) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return Bad(key, core::StrCat("unknown field ", QuoteForMessage(key)),
                 "send only runbook, target_node, source and payload");
    }
  }
  const std::string fix = R"(send {"runbook": SLUG, "target_node": NODE, "source": "..."})";
  Trigger trigger{"", "", "webhook"};
  auto runbook = StringField(body, "runbook", "runbook", fix);
  if (auto* error = std::get_if<RequestError>(&runbook)) return *error;
  auto node = StringField(body, "target_node", "target_node", fix);
  if (auto* error = std::get_if<RequestError>(&node)) return *error;
  trigger.runbook = std::get<std::string>(runbook);
  trigger.node = std::get<std::string>(node);
  if (body.contains("source") && !body["source"].is_null()) {
    auto source = StringField(body, "source", "source", "a short label such as \"pagerduty\"");
    if (auto* error = std::get_if<RequestError>(&source)) return *error;
    trigger.source = std::get<std::string>(source);
    if (!IsSourceLabel(trigger.source)) {
      return Bad("source", core::StrCat(QuoteForMessage(trigger.source), " is not a source label"),
                 "letters, digits, '.', '_' and '-', at most 63 characters");
    }
  }
  if (auto error = CheckNames(trigger, "runbook", "target_node")) return *error;
  return ParsedTriggers{{std::move(trigger)}, ""};
}

Result ParseAlertmanager(const json& body, const FieldNames& names) {
  const json& alerts = body["alerts"];
  if (!alerts.is_array()) {
    return Bad("alerts", "must be an array", "send Alertmanager's webhook payload unchanged");
  }
  const std::string fix = core::StrCat("give each alert the labels ", names.runbook, " and ",
                                       names.node, ", or name others in the --mapping file");
  ParsedTriggers parsed;
  for (size_t i = 0; i < alerts.size(); ++i) {
    const json& alert = alerts[i];
    const std::string prefix = core::StrCat("alerts[", i, "]");
    if (!alert.is_object()) return Bad(prefix, "must be an object", fix);
    if (alert.value("status", std::string("firing")) != "firing") continue;
    const auto labels = alert.find("labels");
    if (labels == alert.end() || !labels->is_object()) {
      return Bad(prefix + ".labels", "missing", fix);
    }
    auto trigger = NamedTrigger(*labels, names, prefix + ".labels.", "alertmanager", fix);
    if (auto* error = std::get_if<RequestError>(&trigger)) return *error;
    parsed.triggers.push_back(std::get<Trigger>(std::move(trigger)));
  }
  if (parsed.triggers.empty()) parsed.ignored = "no firing alerts";
  return parsed;
}

Result ParsePagerDuty(const json& body, const FieldNames& names) {
  const json& event = body["event"];
  if (!event.is_object()) {
    return Bad("event", "must be an object", "send PagerDuty's V3 webhook payload unchanged");
  }
  const std::string type = event.value("event_type", std::string());
  if (type != "incident.triggered") {
    return ParsedTriggers{{},
                          core::StrCat("event_type ", QuoteForMessage(type),
                                       " (only incident.triggered fires a runbook)")};
  }
  const std::string fix =
      core::StrCat("add the custom details ", names.runbook, " and ", names.node,
                   " to the incident, or name others in the --mapping file");
  const json& data = event.contains("data") ? event["data"] : json();
  const json* details = nullptr;
  std::string prefix;
  for (const auto& [path, found] :
       {std::pair<std::string, json::json_pointer>{"event.data.custom_details.",
                                                   json::json_pointer("/custom_details")},
        {"event.data.body.details.", json::json_pointer("/body/details")},
        {"event.data.details.", json::json_pointer("/details")}}) {
    if (data.is_object() && data.contains(found) && data[found].is_object()) {
      details = &data[found];
      prefix = path;
      break;
    }
  }
  if (details == nullptr) return Bad("event.data.custom_details", "missing", fix);
  auto trigger = NamedTrigger(*details, names, prefix, "pagerduty", fix);
  if (auto* error = std::get_if<RequestError>(&trigger)) return *error;
  return ParsedTriggers{{std::get<Trigger>(std::move(trigger))}, ""};
}

}  // namespace

Result ParseTriggers(std::string_view body, const TriggerMapping& mapping) {
  absl::StatusOr<json> parsed = core::ParseJson(body, "body");
  if (!parsed.ok()) {
    return Bad("(body)", std::string(parsed.status().message()),
               "send one JSON object with Content-Type: application/json");
  }
  if (!parsed->is_object()) {
    return Bad("(body)", "must be a JSON object", R"(send {"runbook": ..., "target_node": ...})");
  }
  if (parsed->contains("alerts")) return ParseAlertmanager(*parsed, mapping.alertmanager);
  if (parsed->contains("event")) return ParsePagerDuty(*parsed, mapping.pagerduty);
  return ParseOwn(*parsed);
}

}  // namespace nvsx::serve
