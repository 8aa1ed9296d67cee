#include "sim/schema_validation.h"

#include <string>

#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

std::string TypeOf(const json& value) {
  if (value.is_object()) return "object";
  if (value.is_array()) return "array";
  if (value.is_string()) return "string";
  if (value.is_boolean()) return "boolean";
  if (value.is_number_integer() || value.is_number_unsigned()) return "integer";
  if (value.is_number()) return "number";
  return "null";
}

void Check(const json& value, const json& schema, const std::string& field,
           std::vector<FieldCause>& causes) {
  if (!schema.is_object()) return;
  if (value.is_null()) {
    if (!schema.value("nullable", false)) {
      causes.push_back(
          {"FieldValueTypeInvalid", field,
           core::StrCat("Invalid value: \"null\": ", field, " in body must be of type ",
                        schema.value("type", "object"), ": \"null\"")});
    }
    return;
  }
  const std::string type = schema.value("type", "");
  const std::string actual = TypeOf(value);
  bool type_ok = type.empty() || type == actual || (type == "number" && actual == "integer");
  if (schema.value("x-kubernetes-int-or-string", false)) {
    type_ok = actual == "integer" || actual == "string";
  }
  if (!type_ok) {
    causes.push_back({"FieldValueTypeInvalid", field,
                      core::StrCat("Invalid value: \"", actual, "\": ", field,
                                   " in body must be of type ", type, ": \"", actual, "\"")});
    return;
  }
  if (auto values = schema.find("enum"); values != schema.end() && values->is_array()) {
    bool found = false;
    std::string allowed;
    for (const json& candidate : *values) {
      found |= candidate == value;
      if (!allowed.empty()) allowed += ", ";
      allowed += candidate.dump();
    }
    if (!found) {
      causes.push_back(
          {"FieldValueNotSupported", field,
           core::StrCat("Unsupported value: ", value.dump(), ": supported values: ", allowed)});
    }
  }
  if (value.is_number()) {
    if (schema.contains("minimum") && schema["minimum"].is_number() &&
        value.get<double>() < schema["minimum"].get<double>()) {
      causes.push_back(
          {"FieldValueInvalid", field,
           core::StrCat("Invalid value: ", value.dump(), ": ", field,
                        " in body should be greater than or equal to ", schema["minimum"].dump())});
    }
    if (schema.contains("maximum") && schema["maximum"].is_number() &&
        value.get<double>() > schema["maximum"].get<double>()) {
      causes.push_back(
          {"FieldValueInvalid", field,
           core::StrCat("Invalid value: ", value.dump(), ": ", field,
                        " in body should be less than or equal to ", schema["maximum"].dump())});
    }
  }
  if (value.is_object()) {
    if (auto required = schema.find("required"); required != schema.end() && required->is_array()) {
      for (const json& name : *required) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          causes.push_back({"FieldValueRequired",
                            field.empty() ? name.get<std::string>()
                                          : core::StrCat(field, ".", name.get<std::string>()),
                            "Required value"});
        }
      }
    }
    const json properties = schema.value("properties", json::object());
    const json additional = schema.value("additionalProperties", json());
    for (const auto& [name, child] : value.items()) {
      if (field.empty() && (name == "metadata" || name == "apiVersion" || name == "kind")) continue;
      const std::string path = field.empty() ? name : core::StrCat(field, ".", name);
      if (properties.contains(name)) {
        Check(child, properties[name], path, causes);
      } else if (additional.is_object()) {
        Check(child, additional, path, causes);
      }
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      Check(value[i], schema["items"], core::StrCat(field, "[", i, "]"), causes);
    }
  }
}

void Prune(json& value, const json& schema, const std::string& field, bool top,
           std::vector<std::string>& removed) {
  if (!schema.is_object() || schema.value("x-kubernetes-preserve-unknown-fields", false)) return;
  if (value.is_object()) {
    const json properties = schema.value("properties", json::object());
    const json additional = schema.value("additionalProperties", json());
    std::vector<std::string> unknown;
    for (auto& [name, child] : value.items()) {
      if (top && (name == "metadata" || name == "apiVersion" || name == "kind")) continue;
      const std::string path = field.empty() ? name : core::StrCat(field, ".", name);
      if (properties.contains(name)) {
        Prune(child, properties[name], path, false, removed);
      } else if (additional.is_object()) {
        Prune(child, additional, path, false, removed);
      } else if (!additional.is_boolean() || !additional.get<bool>()) {
        unknown.push_back(name);
        removed.push_back(path);
      }
    }
    for (const std::string& name : unknown) value.erase(name);
  } else if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      Prune(value[i], schema["items"], core::StrCat(field, "[", i, "]"), false, removed);
    }
  }
}

}  // namespace

std::vector<std::string> PruneUnknownFields(json& object, const json& schema) {
  std::vector<std::string> removed;
  Prune(object, schema, "", true, removed);
  return removed;
}

std::vector<FieldCause> ValidateAgainstSchema(const json& object, const json& schema) {
  std::vector<FieldCause> causes;
  Check(object, schema, "", causes);
  return causes;
}

}  // namespace nvsx::sim
