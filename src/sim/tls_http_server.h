#pragma once

// core::HttpServer's https twin for the embedded API server: the same
// limits (body size, timeouts, no chunked request bodies, SO_REUSEADDR only)
// and /healthz, /livez and /readyz, served with a certificate from PEM text.

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "core/http_server.h"
#include "httplib.h"

namespace nvsx::sim {

class TlsHttpServer {
 public:
  // InvalidArgument when the certificate or key does not parse.
  static absl::StatusOr<std::unique_ptr<TlsHttpServer>> New(core::HttpServerOptions options,
                                                            const std::string& cert_pem,
                                                            const std::string& key_pem);
  ~TlsHttpServer();
  TlsHttpServer(const TlsHttpServer&) = delete;
  TlsHttpServer& operator=(const TlsHttpServer&) = delete;

  httplib::Server& routes() { return *server_; }

  // Binds and serves on a background thread; listening when it returns.
  absl::Status Start();
  // Stops accepting, lets in-flight requests finish, joins. Idempotent.
  void Stop();

  uint16_t port() const { return port_; }
  std::string address() const { return core::HostPort{options_.listen.host, port_}.ToString(); }

 private:
  TlsHttpServer(core::HttpServerOptions options, std::unique_ptr<httplib::SSLServer> server);

  const core::HttpServerOptions options_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace nvsx::sim
