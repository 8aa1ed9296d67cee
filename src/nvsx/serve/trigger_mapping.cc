#include "nvsx/serve/trigger_mapping.h"

#include "core/status_macros.h"
#include "core/yaml_load.h"

namespace nvsx::serve {
namespace {

absl::Status ReadSection(const std::string& source, const YAML::Node& root, const char* section,
                         FieldNames& names) {
  const YAML::Node node = root[section];
  if (!node) return absl::OkStatus();
  if (!node.IsMap()) {
    return core::YamlFieldError(source, node, section,
                                "must be a mapping with `runbook:` and `node:` field names");
  }
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    std::string* target = key == "runbook" ? &names.runbook : key == "node" ? &names.node : nullptr;
    if (target == nullptr) {
      return core::YamlFieldError(source, entry.first, std::string(section) + "." + key,
                                  "unknown field; use `runbook` or `node`");
    }
    if (!entry.second.IsScalar() || entry.second.as<std::string>().empty()) {
      return core::YamlFieldError(source, entry.second, std::string(section) + "." + key,
                                  "must name a label or field (a non-empty string)");
    }
    *target = entry.second.as<std::string>();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TriggerMapping> LoadTriggerMapping(const std::filesystem::path& file) {
  NVSX_ASSIGN_OR_RETURN(YAML::Node root, core::LoadYamlFile(file));
  TriggerMapping mapping;
  const std::string source = file.string();
  if (!root.IsMap()) {
    return core::YamlFieldError(source, root, "(top level)",
                                "must be a mapping with `alertmanager:` and/or `pagerduty:`");
  }
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    if (key != "alertmanager" && key != "pagerduty") {
      return core::YamlFieldError(source, entry.first, key,
                                  "unknown section; use `alertmanager` or `pagerduty`");
    }
  }
  NVSX_RETURN_IF_ERROR(ReadSection(source, root, "alertmanager", mapping.alertmanager));
  NVSX_RETURN_IF_ERROR(ReadSection(source, root, "pagerduty", mapping.pagerduty));
  return mapping;
}

}  // namespace nvsx::serve
