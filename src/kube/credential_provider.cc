#include "kube/credential_provider.h"

#include <system_error>

#include "absl/strings/escaping.h"
#include "core/file_io.h"
#include "core/json_load.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "core/subprocess.h"
#include "core/text.h"

namespace nvsx::kube {
namespace {

constexpr absl::Duration kExecTimeout = absl::Minutes(1);

// Reads the ExecCredential `doc` a plugin printed; sets *expiry to its
// expirationTimestamp or InfiniteFuture. May throw nlohmann::json::exception.
absl::StatusOr<Credentials> ParseExecCredential(const nlohmann::json& doc,
                                                const std::string& api_version,
                                                absl::Time* expiry) {
  auto bad = [](std::string_view message) {
    return absl::InvalidArgumentError(std::string(message));
  };
  if (!doc.is_object() || doc.value("kind", "") != "ExecCredential") {
    return bad("output is not an ExecCredential");
  }
  if (doc.value("apiVersion", "") != api_version) {
    return bad(core::StrCat("returned apiVersion \"", doc.value("apiVersion", ""),
                            "\", configured for \"", api_version, "\""));
  }
  const nlohmann::json status = doc.value("status", nlohmann::json::object());
  if (!status.is_object()) return bad("status: must be an object");
  Credentials out;
  std::string token = status.value("token", "");
  if (!token.empty()) out.authorization = core::StrCat("Bearer ", token);
  out.client_cert_pem = status.value("clientCertificateData", "");
  out.client_key_pem = status.value("clientKeyData", "");
  if (out.client_cert_pem.empty() != out.client_key_pem.empty()) {
    return bad("status: clientCertificateData and clientKeyData must be given together");
  }
  if (token.empty() && out.client_cert_pem.empty()) {
    return bad("status: neither a token nor a client certificate");
  }
  *expiry = absl::InfiniteFuture();
  if (std::string stamp = status.value("expirationTimestamp", ""); !stamp.empty()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, stamp, &*expiry, &error)) {
      return bad(core::StrCat("status.expirationTimestamp \"", stamp, "\": ", error));
    }
  }
  return out;
}

}  // namespace

CredentialProvider::CredentialProvider(RestConfig config, core::Environment env,
                                       const core::Clock* clock)
    : config_(std::move(config)), env_(std::move(env)), clock_(clock) {}

absl::StatusOr<Credentials> CredentialProvider::Get() {
  std::lock_guard<std::mutex> guard(mu_);
  if (!config_.token_file.empty()) return FromTokenFile();
  if (!config_.bearer_token.empty()) {
    return Credentials{core::StrCat("Bearer ", config_.bearer_token), "", ""};
  }
  if (config_.exec.has_value()) return FromExec();
  if (!config_.username.empty() || !config_.password.empty()) {
    return Credentials{
        core::StrCat("Basic ", absl::Base64Escape(config_.username + ":" + config_.password)), "",
        ""};
  }
  return Credentials{};
}

bool CredentialProvider::Invalidate() {
  std::lock_guard<std::mutex> guard(mu_);
  bool had = exec_cached_;
  exec_cached_ = false;
  return had;
}

absl::StatusOr<Credentials> CredentialProvider::FromTokenFile() {
  const std::filesystem::path& path = config_.token_file;
  std::error_code mtime_error, size_error;
  auto mtime = std::filesystem::last_write_time(path, mtime_error);
  auto size = std::filesystem::file_size(path, size_error);
  bool changed =
      !token_read_ || mtime_error || size_error || mtime != token_mtime_ || size != token_size_;
  if (changed) {
    auto text = core::ReadFile(path);
    if (!text.ok()) {
      // Keep using the last good token (or the static one) while the file is
      // being replaced; fail only when there is nothing to fall back on.
      if (token_read_) return Credentials{core::StrCat("Bearer ", token_), "", ""};
      if (!config_.bearer_token.empty()) {
        return Credentials{core::StrCat("Bearer ", config_.bearer_token), "", ""};
      }
      return core::Annotate(text.status(), "token file");
    }
    token_ = std::string(core::TrimWhitespace(*text));
    token_mtime_ = mtime;
    token_size_ = size;
    token_read_ = !mtime_error && !size_error;
  }
  return Credentials{core::StrCat("Bearer ", token_), "", ""};
}

absl::StatusOr<Credentials> CredentialProvider::FromExec() {
  if (exec_cached_ && clock_->Now() < exec_expiry_) return exec_credentials_;
  exec_cached_ = false;
  NVSX_ASSIGN_OR_RETURN(exec_credentials_, RunExecPlugin());
  exec_cached_ = true;
  return exec_credentials_;
}

std::string CredentialProvider::ExecInfo() const {
  nlohmann::json spec = {{"interactive", false}};
  if (config_.exec->provide_cluster_info) {
    nlohmann::json cluster = {{"server", config_.server}};
    if (!config_.tls.server_name.empty()) cluster["tls-server-name"] = config_.tls.server_name;
    if (config_.tls.insecure_skip_verify) cluster["insecure-skip-tls-verify"] = true;
    if (!config_.tls.ca_pem.empty()) {
      cluster["certificate-authority-data"] = absl::Base64Escape(config_.tls.ca_pem);
    }
    spec["cluster"] = std::move(cluster);
  }
  return nlohmann::json{
      {"apiVersion", config_.exec->api_version}, {"kind", "ExecCredential"}, {"spec", spec}}
      .dump();
}

absl::StatusOr<Credentials> CredentialProvider::RunExecPlugin() {
  const ExecConfig& exec = *config_.exec;
  std::string what = core::StrCat("exec plugin \"", exec.command, "\" (", exec.origin, ")");
  core::SubprocessOptions options;
  options.argv.push_back(exec.command);
  options.argv.insert(options.argv.end(), exec.args.begin(), exec.args.end());
  options.env = env_;
  for (const auto& [name, value] : exec.env) options.env.Set(name, value);
  options.env.Set("KUBERNETES_EXEC_INFO", ExecInfo());
  options.timeout = kExecTimeout;
  options.capture_limit = 1 << 20;
  options.keep = core::CaptureKeep::kHead;
  auto result = core::RunSubprocess(options);
  if (!result.ok()) {
    std::string hint = exec.install_hint.empty() ? "" : core::StrCat(" (", exec.install_hint, ")");
    return absl::UnauthenticatedError(core::StrCat(what, ": ", result.status().message(), hint));
  }
  if (!result->Succeeded()) {
    return absl::UnauthenticatedError(core::StrCat(what, ": ", result->Describe(), ": ",
                                                   core::TrimWhitespace(result->stderr_text)));
  }
  auto doc = core::ParseJson(result->stdout_text, "output");
  if (!doc.ok())
    return absl::UnauthenticatedError(core::StrCat(what, ": ", doc.status().message()));
  absl::StatusOr<Credentials> parsed;
  try {
    parsed = ParseExecCredential(*doc, exec.api_version, &exec_expiry_);
  } catch (const nlohmann::json::exception& e) {
    parsed = absl::InvalidArgumentError(core::StrCat("malformed ExecCredential: ", e.what()));
  }
  if (!parsed.ok()) {
    return absl::UnauthenticatedError(core::StrCat(what, ": ", parsed.status().message()));
  }
  return parsed;
}

}  // namespace nvsx::kube
