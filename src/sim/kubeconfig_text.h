#pragma once

// The kubeconfig `nvsentinel sim` writes for its API server, so that stock
// kubectl and client libraries reach it with no other setup.

#include <string>
#include <string_view>

namespace nvsx::sim {

// How clients prove themselves to the server and trust it.
struct SimKubeconfigAuth {
  std::string token;   // the user's bearer token; "" for none
  std::string ca_pem;  // the CA that signed an https server's certificate; "" for http
};

// A kubeconfig (YAML) with one cluster, context and user, all named
// `context_name`, pointing at `server_url` ("http://127.0.0.1:PORT"); the
// context is current. Names and the URL are quoted, so any text is safe.
std::string SimKubeconfig(std::string_view server_url, std::string_view context_name = "nvsx-sim",
                          const SimKubeconfigAuth& auth = {});

}  // namespace nvsx::sim
