#include "kube/config_loader.h"

#include <system_error>

#include "absl/strings/escaping.h"
#include "core/file_io.h"
#include "core/status_macros.h"
#include "core/str_cat.h"

namespace nvsx::kube {
namespace {

// Reads the optional string `key` of `entry`; absent or null reads as "".
absl::StatusOr<std::string> OptionalString(const KubeconfigEntry& entry, const std::string& key) {
  auto it = entry.value.find(key);
  if (it == entry.value.end() || it->is_null()) return std::string();
  if (!it->is_string()) return entry.Error(key, "must be a string");
  return it->get<std::string>();
}

absl::StatusOr<bool> OptionalBool(const KubeconfigEntry& entry, const std::string& key) {
  auto it = entry.value.find(key);
  if (it == entry.value.end() || it->is_null()) return false;
  if (!it->is_boolean()) return entry.Error(key, "must be true or false");
  return it->get<bool>();
}

// Reads PEM material given either inline (`data_key`, base64) or as a file
// (`file_key`); both at once is an error, as in client-go.
absl::StatusOr<std::string> ReadMaterial(const KubeconfigEntry& entry, const std::string& file_key,
                                         const std::string& data_key) {
  NVSX_ASSIGN_OR_RETURN(std::string file, OptionalString(entry, file_key));
  NVSX_ASSIGN_OR_RETURN(std::string data, OptionalString(entry, data_key));
  if (!file.empty() && !data.empty()) {
    return entry.Error(data_key, core::StrCat("cannot be given together with ", file_key));
  }
  if (!data.empty()) {
    std::string decoded;
    if (!absl::Base64Unescape(data, &decoded)) return entry.Error(data_key, "invalid base64");
    return decoded;
  }
  if (file.empty()) return std::string();
  auto text = core::ReadFile(entry.Resolve(file));
  if (!text.ok()) return entry.Error(file_key, core::ToStd(text.status().message()));
  return *std::move(text);
}

absl::Status FillCluster(const KubeconfigEntry& cluster, RestConfig* out) {
  NVSX_ASSIGN_OR_RETURN(std::string server, OptionalString(cluster, "server"));
  if (server.empty()) return cluster.Error("server", "missing");
  if (server.find("://") == std::string::npos) server = "https://" + server;
  while (server.size() > 1 && server.back() == '/') server.pop_back();
  out->server = std::move(server);
  NVSX_ASSIGN_OR_RETURN(out->tls.insecure_skip_verify,
                        OptionalBool(cluster, "insecure-skip-tls-verify"));
  NVSX_ASSIGN_OR_RETURN(out->tls.server_name, OptionalString(cluster, "tls-server-name"));
  NVSX_ASSIGN_OR_RETURN(out->tls.ca_pem, ReadMaterial(cluster, "certificate-authority",
                                                      "certificate-authority-data"));
  if (out->tls.insecure_skip_verify && !out->tls.ca_pem.empty()) {
    return cluster.Error("insecure-skip-tls-verify",
                         "cannot be true while a certificate authority is given");
  }
  return absl::OkStatus();
}

absl::StatusOr<ExecConfig> ParseExec(const KubeconfigEntry& user) {
  const nlohmann::json& exec = user.value["exec"];
  KubeconfigEntry entry{exec, user.source, core::StrCat(user.field, ".exec")};
  if (!exec.is_object()) return user.Error("exec", "must be a mapping");
  ExecConfig config;
  config.origin = core::StrCat("kubeconfig ", user.source.string(), ": ", entry.field);
  NVSX_ASSIGN_OR_RETURN(config.api_version, OptionalString(entry, "apiVersion"));
  if (config.api_version != "client.authentication.k8s.io/v1" &&
      config.api_version != "client.authentication.k8s.io/v1beta1") {
    return entry.Error("apiVersion",
                       core::StrCat("\"", config.api_version,
                                    "\" is not supported (use client.authentication.k8s.io/v1 "
                                    "or v1beta1)"));
  }
  NVSX_ASSIGN_OR_RETURN(config.command, OptionalString(entry, "command"));
  if (config.command.empty()) return entry.Error("command", "missing");
  // A relative path with a slash is relative to the kubeconfig, as in client-go.
  if (config.command.find('/') != std::string::npos) {
    config.command = entry.Resolve(config.command).string();
  }
  if (auto args = exec.find("args"); args != exec.end() && !args->is_null()) {
    if (!args->is_array()) return entry.Error("args", "must be a list of strings");
    for (size_t i = 0; i < args->size(); ++i) {
      if (!(*args)[i].is_string()) {
        return entry.Error(core::StrCat("args[", i, "]"), "must be a string");
      }
      config.args.push_back((*args)[i].get<std::string>());
    }
  }
  if (auto env = exec.find("env"); env != exec.end() && !env->is_null()) {
    if (!env->is_array()) return entry.Error("env", "must be a list of {name, value}");
    for (size_t i = 0; i < env->size(); ++i) {
      const nlohmann::json& var = (*env)[i];
      if (!var.is_object() || !var.contains("name") || !var["name"].is_string() ||
          !var.value("value", nlohmann::json("")).is_string()) {
        return entry.Error(core::StrCat("env[", i, "]"), "must be {name: string, value: string}");
      }
      config.env.emplace_back(var["name"].get<std::string>(),
                              var.value("value", nlohmann::json("")).get<std::string>());
    }
  }
  NVSX_ASSIGN_OR_RETURN(config.install_hint, OptionalString(entry, "installHint"));
  NVSX_ASSIGN_OR_RETURN(config.provide_cluster_info, OptionalBool(entry, "provideClusterInfo"));
  NVSX_ASSIGN_OR_RETURN(std::string mode, OptionalString(entry, "interactiveMode"));
  if (mode == "Always") {
    return entry.Error("interactiveMode",
                       "Always needs a terminal, which a plugin never gets here");
  }
  if (!mode.empty() && mode != "Never" && mode != "IfAvailable") {
    return entry.Error("interactiveMode", core::StrCat("unknown mode \"", mode, "\""));
  }
  return config;
}

absl::Status FillUser(const KubeconfigEntry& user, RestConfig* out) {
  if (auto provider = user.value.find("auth-provider"); provider != user.value.end()) {
    std::string name = provider->is_object() ? provider->value("name", "") : "";
    return user.Error("auth-provider", core::StrCat("auth provider \"", name,
                                                    "\" is not supported (use an exec plugin)"));
  }
  for (const char* key : {"as", "as-uid", "as-groups"}) {
    if (user.value.contains(key)) return user.Error(key, "impersonation is not supported");
  }
  NVSX_ASSIGN_OR_RETURN(out->tls.client_cert_pem,
                        ReadMaterial(user, "client-certificate", "client-certificate-data"));
  NVSX_ASSIGN_OR_RETURN(out->tls.client_key_pem,
                        ReadMaterial(user, "client-key", "client-key-data"));
  if (out->tls.client_cert_pem.empty() != out->tls.client_key_pem.empty()) {
    return user.Error(out->tls.client_cert_pem.empty() ? "client-certificate" : "client-key",
                      "a client certificate and key must be given together");
  }
  NVSX_ASSIGN_OR_RETURN(out->bearer_token, OptionalString(user, "token"));
  NVSX_ASSIGN_OR_RETURN(std::string token_file, OptionalString(user, "tokenFile"));
  if (!token_file.empty()) {
    out->token_file = user.Resolve(token_file);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(out->token_file, ec)) {
      return user.Error("tokenFile", core::StrCat("cannot read ", out->token_file.string()));
    }
  }
  NVSX_ASSIGN_OR_RETURN(out->username, OptionalString(user, "username"));
  NVSX_ASSIGN_OR_RETURN(out->password, OptionalString(user, "password"));
  if (user.value.contains("exec") && !user.value["exec"].is_null()) {
    NVSX_ASSIGN_OR_RETURN(out->exec, ParseExec(user));
  }
  return absl::OkStatus();
}

// The first line of a file, trimmed; "" when it cannot be read.
std::string FirstLine(const std::filesystem::path& path) {
  auto text = core::ReadFile(path);
  if (!text.ok()) return "";
  std::string line = text->substr(0, text->find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace

absl::StatusOr<RestConfig> RestConfigFromKubeconfig(const Kubeconfig& config,
                                                    std::string_view context) {
  std::string name(context.empty() ? config.current_context : std::string(context));
  if (name.empty()) {
    return absl::InvalidArgumentError(
        core::StrCat(config.Describe(), ": no current-context is set and no context was given"));
  }
  auto ctx = config.contexts.find(name);
  if (ctx == config.contexts.end()) {
    return absl::InvalidArgumentError(
        core::StrCat(config.Describe(), ": context \"", name, "\" not found"));
  }
  const KubeconfigEntry& entry = ctx->second;
  RestConfig out;
  out.context = name;
  out.origin = core::StrCat(config.Describe(), ", context \"", name, "\"");
  NVSX_ASSIGN_OR_RETURN(std::string cluster_name, OptionalString(entry, "cluster"));
  if (cluster_name.empty()) return entry.Error("cluster", "missing");
  auto cluster = config.clusters.find(cluster_name);
  if (cluster == config.clusters.end()) {
    return entry.Error("cluster", core::StrCat("cluster \"", cluster_name, "\" not found"));
  }
  NVSX_RETURN_IF_ERROR(FillCluster(cluster->second, &out));
  NVSX_ASSIGN_OR_RETURN(std::string user_name, OptionalString(entry, "user"));
  if (!user_name.empty()) {
    auto user = config.users.find(user_name);
    if (user == config.users.end()) {
      return entry.Error("user", core::StrCat("user \"", user_name, "\" not found"));
    }
    NVSX_RETURN_IF_ERROR(FillUser(user->second, &out));
  }
  NVSX_ASSIGN_OR_RETURN(std::string ns, OptionalString(entry, "namespace"));
  if (!ns.empty()) out.namespace_name = ns;
  return out;
}

absl::StatusOr<RestConfig> InClusterConfig(const core::Environment& env,
                                           const InClusterPaths& paths) {
  std::string host = env.Get("KUBERNETES_SERVICE_HOST").value_or("");
  std::string port = env.Get("KUBERNETES_SERVICE_PORT").value_or("");
  if (host.empty() || port.empty()) {
    return absl::FailedPreconditionError(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  if (host.find(':') != std::string::npos) host = core::StrCat("[", host, "]");  // IPv6
  std::error_code ec;
  if (!std::filesystem::is_regular_file(paths.token_file, ec)) {
    return absl::FailedPreconditionError(
        core::StrCat("in-cluster config: cannot read token file ", paths.token_file.string()));
  }
  RestConfig out;
  out.server = core::StrCat("https://", host, ":", port);
  out.token_file = paths.token_file;
  auto ca = core::ReadFile(paths.ca_file);
  if (!ca.ok()) return core::Annotate(ca.status(), "in-cluster config: CA file");
  out.tls.ca_pem = *std::move(ca);
  if (std::string ns = FirstLine(paths.namespace_file); !ns.empty()) out.namespace_name = ns;
  out.origin = "in-cluster";
  return out;
}

absl::StatusOr<RestConfig> LoadRestConfig(const ConfigLoadOptions& options) {
  std::vector<std::filesystem::path> paths;
  bool skip_missing = true;
  if (!options.kubeconfig.empty()) {
    paths.push_back(options.kubeconfig);
    skip_missing = false;
  } else if (std::string list = options.env.Get("KUBECONFIG").value_or(""); !list.empty()) {
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      if (end > start) paths.emplace_back(list.substr(start, end - start));
      start = end + 1;
    }
  } else if (std::string home = options.env.Get("HOME").value_or(""); !home.empty()) {
    paths.push_back(std::filesystem::path(home) / ".kube" / "config");
  }
  NVSX_ASSIGN_OR_RETURN(Kubeconfig config, LoadKubeconfigFiles(paths, skip_missing));
  if (config.sources.empty()) {
    auto in_cluster = InClusterConfig(options.env, options.in_cluster);
    if (in_cluster.ok() || options.env.Get("KUBERNETES_SERVICE_HOST").has_value()) {
      return in_cluster;
    }
    return absl::FailedPreconditionError(
        "no kubeconfig: give --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a "
        "cluster");
  }
  return RestConfigFromKubeconfig(config, options.context);
}

}  // namespace nvsx::kube
