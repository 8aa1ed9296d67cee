#include "kube/kubeconfig.h"

#include <system_error>

#include "core/file_io.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "core/yaml_load.h"

namespace nvsx::kube {
namespace {

absl::Status FileError(const std::filesystem::path& source, std::string_view message) {
  return absl::InvalidArgumentError(core::StrCat("kubeconfig ", source.string(), ": ", message));
}

// Adds every entry of the list `list_key` ("clusters") whose inner object is
// `item_key` ("cluster") to `out`, unless a name is already present.
absl::Status MergeList(const nlohmann::json& doc, const std::filesystem::path& source,
                       const std::string& list_key, const std::string& item_key,
                       std::map<std::string, KubeconfigEntry>* out) {
  auto it = doc.find(list_key);
  if (it == doc.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_array()) return FileError(source, core::StrCat(list_key, ": must be a list"));
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& item = (*it)[i];
    std::string field = core::StrCat(list_key, "[", i, "]");
    if (!item.is_object()) return FileError(source, core::StrCat(field, ": must be a mapping"));
    auto name = item.find("name");
    if (name == item.end() || !name->is_string() || name->get<std::string>().empty()) {
      return FileError(source, core::StrCat(field, ".name: missing or not a string"));
    }
    nlohmann::json inner = item.value(item_key, nlohmann::json::object());
    if (inner.is_null()) inner = nlohmann::json::object();
    if (!inner.is_object()) {
      return FileError(source, core::StrCat(field, ".", item_key, ": must be a mapping"));
    }
    out->try_emplace(name->get<std::string>(),
                     KubeconfigEntry{std::move(inner), source, core::StrCat(field, ".", item_key)});
  }
  return absl::OkStatus();
}

}  // namespace

std::filesystem::path KubeconfigEntry::Resolve(const std::string& path) const {
  std::filesystem::path p(path);
  if (p.is_absolute() || path.empty()) return p;
  return (source.parent_path() / p).lexically_normal();
}

absl::Status KubeconfigEntry::Error(std::string_view key, std::string_view message) const {
  return FileError(source, core::StrCat(field, key.empty() ? "" : ".", key, ": ", message));
}

std::string Kubeconfig::Describe() const {
  std::string out = "kubeconfig ";
  for (size_t i = 0; i < sources.size(); ++i) {
    core::StrAppend(&out, i == 0 ? "" : ":", sources[i].string());
  }
  if (sources.empty()) out += "(none)";
  return out;
}

absl::Status MergeKubeconfigText(std::string_view text, const std::filesystem::path& source,
                                 Kubeconfig* config) {
  auto yaml = core::ParseYaml(text, source.string());
  if (!yaml.ok()) return core::Annotate(yaml.status(), "kubeconfig");
  nlohmann::json doc = core::YamlToJson(*yaml);
  config->sources.push_back(source);
  if (doc.is_null()) return absl::OkStatus();  // an empty file adds nothing
  if (!doc.is_object()) return FileError(source, "the document must be a mapping");
  if (auto kind = doc.find("kind"); kind != doc.end() && *kind != "Config") {
    return FileError(source, "kind: must be Config");
  }
  if (auto current = doc.find("current-context"); current != doc.end() && !current->is_null()) {
    if (!current->is_string()) return FileError(source, "current-context: must be a string");
    if (config->current_context.empty()) config->current_context = current->get<std::string>();
  }
  NVSX_RETURN_IF_ERROR(MergeList(doc, source, "clusters", "cluster", &config->clusters));
  NVSX_RETURN_IF_ERROR(MergeList(doc, source, "users", "user", &config->users));
  NVSX_RETURN_IF_ERROR(MergeList(doc, source, "contexts", "context", &config->contexts));
  return absl::OkStatus();
}

absl::StatusOr<Kubeconfig> LoadKubeconfigFiles(const std::vector<std::filesystem::path>& paths,
                                               bool skip_missing) {
  Kubeconfig config;
  for (const std::filesystem::path& path : paths) {
    std::error_code ec;
    if (skip_missing && !std::filesystem::exists(path, ec)) continue;
    auto text = core::ReadFile(path);
    if (!text.ok()) return core::Annotate(text.status(), "kubeconfig");
    NVSX_RETURN_IF_ERROR(MergeKubeconfigText(*text, path, &config));
  }
  return config;
}

}  // namespace nvsx::kube
