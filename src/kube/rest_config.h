#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nvsx::kube {

// TLS material for talking to the API server, as PEM text (never paths, so a
// config is complete once loaded).
struct TlsConfig {
  bool insecure_skip_verify = false;
  std::string ca_pem;           // empty: the system trust store
  std::string client_cert_pem;  // with client_key_pem, for client-certificate auth
  std::string client_key_pem;
  std::string server_name;  // overrides the name verified in the server's certificate
};

// An exec credential plugin (client.authentication.k8s.io/v1 or v1beta1).
struct ExecConfig {
  std::string api_version;
  std::string command;  // a path (resolved against the kubeconfig's directory) or a PATH name
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string install_hint;
  bool provide_cluster_info = false;
  std::string origin;  // "kubeconfig /x: users[0].user.exec", for errors
};

// Everything needed to reach one API server as one identity.
struct RestConfig {
  std::string server;  // "https://host:port", possibly with a path prefix; no trailing slash
  TlsConfig tls;
  // Auth; at most one of bearer token / token file / basic / exec is used, in
  // this order of precedence: token_file (re-read when it changes, with
  // bearer_token as its fallback), bearer_token, exec, username/password.
  std::string bearer_token;
  std::filesystem::path token_file;
  std::string username;
  std::string password;
  std::optional<ExecConfig> exec;

  std::string namespace_name = "default";  // the context's namespace
  std::string context;                     // empty for in-cluster config
  std::string origin;  // "kubeconfig /x, context \"c\"" or "in-cluster", for messages
};

}  // namespace nvsx::kube
