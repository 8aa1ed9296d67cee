#include "sim/kubeconfig_text.h"

#include "absl/strings/escaping.h"
#include "core/str_cat.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

std::string SimKubeconfig(std::string_view server_url, std::string_view context_name,
                          const SimKubeconfigAuth& auth) {
  // JSON strings are valid YAML double-quoted scalars.
  const std::string name = nlohmann::json(context_name).dump();
  const std::string server = nlohmann::json(server_url).dump();
  std::string ca;
  if (!auth.ca_pem.empty()) {
    ca = core::StrCat("    certificate-authority-data: ", absl::Base64Escape(auth.ca_pem), "\n");
  }
  const std::string user =
      auth.token.empty()
          ? "  user: {}\n"
          : core::StrCat("  user:\n    token: ", nlohmann::json(auth.token).dump(), "\n");
  return core::StrCat("apiVersion: v1\n", "kind: Config\n", "clusters:\n", "- name: ", name, "\n",
                      "  cluster:\n", "    server: ", server, "\n", ca, "contexts:\n",
                      "- name: ", name, "\n", "  context:\n", "    cluster: ", name, "\n",
                      "    user: ", name, "\n", "current-context: ", name, "\n", "users:\n",
                      "- name: ", name, "\n", user);
}

}  // namespace nvsx::sim
