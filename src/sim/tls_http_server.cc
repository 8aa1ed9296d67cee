#include "sim/tls_http_server.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/ascii.h"
#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

template <typename Setter>
void SetTimeout(absl::Duration timeout, Setter set) {
  const int64_t micros = absl::ToInt64Microseconds(timeout);
  set(static_cast<time_t>(micros / 1000000), static_cast<time_t>(micros % 1000000));
}

void Configure(httplib::Server& server, const core::HttpServerOptions& options) {
  server.set_payload_max_length(options.max_body_bytes);
  server.set_tcp_nodelay(true);
  SetTimeout(options.read_timeout, [&](time_t s, time_t us) { server.set_read_timeout(s, us); });
  SetTimeout(options.write_timeout, [&](time_t s, time_t us) { server.set_write_timeout(s, us); });
  server.set_keep_alive_timeout(
      static_cast<time_t>(absl::ToInt64Seconds(options.keep_alive_timeout)));
  const size_t threads = options.worker_threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // As core::HttpServer: httplib would read a chunked body of any size.
  server.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    if (absl::AsciiStrToLower(request.get_header_value("Transfer-Encoding")).find("chunked") ==
        std::string::npos) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    response.status = 411;
    response.set_header("Connection", "close");
    response.set_content("HTTP 411: send the request body with a Content-Length header\n",
                         "text/plain");
    return httplib::Server::HandlerResponse::Handled;
  });
  for (const char* path : {"/healthz", "/livez", "/readyz"}) {
    server.Get(path, [](const httplib::Request&, httplib::Response& response) {
      response.set_content("ok\n", "text/plain");
    });
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsHttpServer>> TlsHttpServer::New(core::HttpServerOptions options,
                                                                  const std::string& cert_pem,
                                                                  const std::string& key_pem) {
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  std::unique_ptr<httplib::SSLServer> server;
  if (cert != nullptr && key != nullptr) server = std::make_unique<httplib::SSLServer>(cert, key);
  // The server's SSL_CTX holds its own references.
  X509_free(cert);
  EVP_PKEY_free(key);
  if (server == nullptr || !server->is_valid()) {
    return absl::InvalidArgumentError(
        "TLS: the server certificate or key is not valid PEM (or they do not match)");
  }
  Configure(*server, options);
  return std::unique_ptr<TlsHttpServer>(new TlsHttpServer(std::move(options), std::move(server)));
}

TlsHttpServer::TlsHttpServer(core::HttpServerOptions options,
                             std::unique_ptr<httplib::SSLServer> server)
    : options_(std::move(options)), server_(std::move(server)) {}

TlsHttpServer::~TlsHttpServer() { Stop(); }

absl::Status TlsHttpServer::Start() {
  if (thread_.joinable()) return absl::FailedPreconditionError("https server already started");
  const std::string& host = options_.listen.host;
  const int port =
      options_.listen.port == 0
          ? server_->bind_to_any_port(host)
          : (server_->bind_to_port(host, options_.listen.port) ? options_.listen.port : -1);
  if (port <= 0) {
    return absl::UnavailableError(
        core::StrCat("cannot listen on ", options_.listen.ToString(), ": ", std::strerror(errno)));
  }
  port_ = static_cast<uint16_t>(port);
  auto loop_ended = std::make_shared<std::atomic<bool>>(false);
  thread_ = std::thread([this, loop_ended] {
    server_->listen_after_bind();
    loop_ended->store(true);
  });
  // stop() is a no-op until the accept loop runs: wait for it, so Stop() cannot miss it.
  while (!server_->is_running() && !loop_ended->load()) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return absl::OkStatus();
}

void TlsHttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace nvsx::sim
