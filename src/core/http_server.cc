#include "core/http_server.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/ascii.h"
#include "core/str_cat.h"

namespace nvsx::core {
namespace {

template <typename Setter>
void SetTimeout(absl::Duration timeout, Setter set) {
  const int64_t micros = absl::ToInt64Microseconds(timeout);
  set(static_cast<time_t>(micros / 1000000), static_cast<time_t>(micros % 1000000));
}

// An https server for the PEM certificate and key, or null when they do not
// parse or match.
std::unique_ptr<httplib::Server> NewTlsServer(const std::string& cert_pem,
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
  if (server == nullptr || !server->is_valid()) return nullptr;
  return server;
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options) : options_(std::move(options)) {
  if (options_.tls_cert_pem.empty() && options_.tls_key_pem.empty()) {
    server_ = std::make_unique<httplib::Server>();
  } else {
    server_ = NewTlsServer(options_.tls_cert_pem, options_.tls_key_pem);
    if (server_ == nullptr) {
      tls_error_ = absl::InvalidArgumentError(
          "TLS: the server certificate or key is not valid PEM (or they do not match)");
      server_ = std::make_unique<httplib::Server>();  // routes still register; Start() refuses
    }
  }
  server_->set_payload_max_length(options_.max_body_bytes);
  // Without TCP_NODELAY a small response on a keep-alive connection waits for
  // the client's delayed ACK (~40 ms): every API call would pay it.
  server_->set_tcp_nodelay(true);
  SetTimeout(options_.read_timeout,
             [this](time_t s, time_t us) { server_->set_read_timeout(s, us); });
  SetTimeout(options_.write_timeout,
             [this](time_t s, time_t us) { server_->set_write_timeout(s, us); });
  server_->set_keep_alive_timeout(
      static_cast<time_t>(absl::ToInt64Seconds(options_.keep_alive_timeout)));
  server_->set_keep_alive_max_count(options_.keep_alive_max_requests);
  const size_t threads = options_.worker_threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Errors httplib raises itself (413, 400, 404) get a body that says what happened.
  const size_t max_body = options_.max_body_bytes;
  server_->set_error_handler([max_body](const httplib::Request&, httplib::Response& response) {
    if (!response.body.empty()) return;
    std::string text = StrCat("HTTP ", response.status);
    if (response.status == 404) StrAppend(&text, ": no such path");
    if (response.status == 413) {
      StrAppend(&text, ": the request body is larger than ", max_body, " bytes");
    }
    response.set_content(text + "\n", "text/plain");
  });
  // httplib's default also sets SO_REUSEPORT, which would let a second server
  // silently share our port; keep only SO_REUSEADDR (fast restarts).
  // The hook also hands us the socket httplib binds, so Start() can widen its
  // backlog.
  server_->set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_socket_ = sock;
  });
  // httplib enforces the body limit only through Content-Length and would read
  // a chunked body of any size into memory, so refuse chunked bodies before
  // they are read (411, as RFC 9110 allows) and close the connection.
  server_->set_pre_routing_handler(
      [](const httplib::Request& request, httplib::Response& response) {
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
  for (const char* path : {"/healthz", "/livez"}) {
    server_->Get(path, [](const httplib::Request&, httplib::Response& response) {
      response.set_content("ok\n", "text/plain");
    });
  }
  server_->Get("/readyz", [this](const httplib::Request& request, httplib::Response& response) {
    HandleReadyz(request, response);
  });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::AddReadinessCheck(std::string name, std::function<absl::Status()> check) {
  std::lock_guard<std::mutex> lock(checks_mu_);
  checks_.push_back({std::move(name), std::move(check)});
}

void HttpServer::HandleReadyz(const httplib::Request& request, httplib::Response& response) {
  // Kubernetes-style: "[+]name ok" / "[-]name failed: reason" lines with ?verbose.
  std::string details;
  bool ready = true;
  {
    std::lock_guard<std::mutex> lock(checks_mu_);
    for (const ReadinessCheck& check : checks_) {
      absl::Status status = check.check();
      ready &= status.ok();
      StrAppend(&details, status.ok() ? "[+]" : "[-]", check.name,
                status.ok() ? " ok" : StrCat(" failed: ", status.message()), "\n");
    }
  }
  response.status = ready ? 200 : 503;
  const bool verbose = request.has_param("verbose") || !ready;
  response.set_content(verbose
                           ? details + (ready ? "readyz check passed\n" : "readyz check failed\n")
                           : std::string("ok\n"),
                       "text/plain");
}

absl::Status HttpServer::Start() {
  if (thread_.joinable()) return absl::FailedPreconditionError("http server already started");
  if (!tls_error_.ok()) return tls_error_;
  const std::string& host = options_.listen.host;
  int port = options_.listen.port == 0
                 ? server_->bind_to_any_port(host)
                 : (server_->bind_to_port(host, options_.listen.port) ? options_.listen.port : -1);
  if (port <= 0) {
    return absl::UnavailableError(
        StrCat("cannot listen on ", options_.listen.ToString(), ": ", std::strerror(errno)));
  }
  port_ = static_cast<uint16_t>(port);
  // listen() again on a listening socket only changes its backlog.
  if (::listen(listen_socket_, options_.listen_backlog) != 0) {
    return absl::UnavailableError(StrCat("cannot set the listen backlog of ",
                                         options_.listen.ToString(), ": ", std::strerror(errno)));
  }
  auto loop_ended = std::make_shared<std::atomic<bool>>(false);
  thread_ = std::thread([this, loop_ended] {
    server_->listen_after_bind();
    loop_ended->store(true);
  });
  // stop() is a no-op until the accept loop runs, so wait for it here; then
  // Stop() can never miss it.
  while (!server_->is_running() && !loop_ended->load())
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace nvsx::core
