#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/net_address.h"
#include "httplib.h"

namespace nvsx::core {

struct HttpServerOptions {
  HostPort listen{"127.0.0.1", 0};
  // Larger request bodies are refused with 413 before they are read.
  size_t max_body_bytes = 1 << 20;
  absl::Duration read_timeout = absl::Seconds(10);
  absl::Duration write_timeout = absl::Seconds(10);
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  // Requests one connection may carry before the server closes it. httplib's
  // default of 5 makes a busy client reconnect every 5 requests, and its new
  // connection waits behind every other one for a worker thread.
  size_t keep_alive_max_requests = 5;
  // Completed connections the kernel holds for the accept loop (capped by
  // net.core.somaxconn). httplib listens with 5, so a burst of new
  // connections overflows it, and each dropped handshake costs its client a
  // TCP retransmission: a first request answered 200 ms late.
  int listen_backlog = SOMAXCONN;
  // Each open connection holds one worker thread for as long as it stays open
  // (keep-alive included); further connections wait for a free one.
  size_t worker_threads = 8;
  // Serve https with this certificate and key (PEM) when both are set.
  std::string tls_cert_pem;
  std::string tls_key_pem;
};

// The HTTP(S) server our daemons share: bounded bodies and timeouts, /healthz
// and /livez (the process serves) and /readyz (every registered readiness
// check passes).
// Register routes on routes() and checks with AddReadinessCheck() before
// Start(); handlers run on worker threads.
class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  httplib::Server& routes() { return *server_; }

  // `check` returns OK when the named dependency is ready; it must be cheap
  // and thread-safe, as every /readyz request runs it.
  void AddReadinessCheck(std::string name, std::function<absl::Status()> check);

  // Binds the listen address and serves on a background thread. The socket is
  // listening when this returns, so port() is final and clients may connect.
  // InvalidArgument when the TLS certificate or key does not parse.
  absl::Status Start();

  // The bound port (the picked one when the options asked for port 0).
  uint16_t port() const { return port_; }
  std::string address() const { return HostPort{options_.listen.host, port_}.ToString(); }

  // Stops accepting, lets in-flight requests finish, joins the thread. Idempotent.
  void Stop();

 private:
  struct ReadinessCheck {
    std::string name;
    std::function<absl::Status()> check;
  };
  void HandleReadyz(const httplib::Request& request, httplib::Response& response);

  HttpServerOptions options_;
  absl::Status tls_error_;  // why the certificate could not be used; Start() reports it
  std::unique_ptr<httplib::Server> server_;  // an httplib::SSLServer for https
  std::thread thread_;
  uint16_t port_ = 0;
  int listen_socket_ = -1;  // the bound socket, as httplib made it
  std::mutex checks_mu_;
  std::vector<ReadinessCheck> checks_;
};

}  // namespace nvsx::core
