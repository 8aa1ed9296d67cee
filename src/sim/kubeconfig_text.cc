#include "sim/kubeconfig_text.h"

#include "core/str_cat.h"
#include "nlohmann/json.hpp"

namespace nvsx::sim {

std::string SimKubeconfig(std::string_view server_url, std::string_view context_name) {
  // JSON strings are valid YAML double-quoted scalars.
  const std::string name = nlohmann::json(context_name).dump();
  const std::string server = nlohmann::json(server_url).dump();
  return core::StrCat("apiVersion: v1\n", "kind: Config\n", "clusters:\n", "- name: ", name, "\n",
                      "  cluster:\n", "    server: ", server, "\n", "contexts:\n", "- name: ", name,
                      "\n", "  context:\n", "    cluster: ", name, "\n", "    user: ", name, "\n",
                      "current-context: ", name, "\n", "users:\n", "- name: ", name, "\n",
                      "  user: {}\n");
}

}  // namespace nvsx::sim
