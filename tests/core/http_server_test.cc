#include "core/http_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "core/str_cat.h"
#include "core/subprocess.h"

namespace nvsx::core {
namespace {

using ::testing::HasSubstr;

// A raw TCP connection, for requests an HTTP client library would refuse to send.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
  }
  // Reads until the peer closes or nothing arrives for `timeout_ms`; returns what arrived.
  std::string ReadUntilClosed(int timeout_ms, bool* closed) {
    std::string data;
    *closed = false;
    char buffer[4096];
    while (true) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, timeout_ms) <= 0) return data;
      ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        *closed = true;
        return data;
      }
      data.append(buffer, static_cast<size_t>(n));
    }
  }
  // Reads until what arrived ends with `suffix`, the peer closes, or nothing
  // arrives for `timeout_ms`; returns what arrived.
  std::string ReadUntil(std::string_view suffix, int timeout_ms, bool* closed) {
    std::string data;
    *closed = false;
    char buffer[4096];
    while (!data.ends_with(suffix)) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, timeout_ms) <= 0) return data;
      ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        *closed = true;
        return data;
      }
      data.append(buffer, static_cast<size_t>(n));
    }
    return data;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(options);
    server_->routes().Post("/echo",
                           [](const httplib::Request& request, httplib::Response& response) {
                             response.set_content(request.body, "text/plain");
                           });
    server_->AddReadinessCheck("cache", [this]() -> absl::Status {
      return ready_.load() ? absl::OkStatus() : absl::UnavailableError("not synced");
    });
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  std::atomic<bool> ready_{false};
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, HealthzAndLivezAnswerWhileServing) {
  StartServer();
  EXPECT_NE(server_->port(), 0);
  for (const char* path : {"/healthz", "/livez"}) {
    auto response = client_->Get(path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 200) << path;
    EXPECT_EQ(response->body, "ok\n") << path;
  }
}

TEST_F(HttpServerTest, ReadyzFollowsTheReadinessChecks) {
  StartServer();
  auto not_ready = client_->Get("/readyz");
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_THAT(not_ready->body, HasSubstr("[-]cache failed: not synced"));
  ready_ = true;
  auto ready = client_->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  auto verbose = client_->Get("/readyz?verbose");
  ASSERT_TRUE(verbose);
  EXPECT_THAT(verbose->body, HasSubstr("[+]cache ok"));
}

TEST_F(HttpServerTest, OversizedBodyGets413AndTheServerKeepsServing) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  auto small = client_->Post("/echo", std::string(1000, 'a'), "text/plain");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  EXPECT_EQ(small->body.size(), 1000u);

  auto big = client_->Post("/echo", std::string(2 << 20, 'a'), "text/plain");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_THAT(big->body, HasSubstr("larger than 1024 bytes"));

  auto after = client_->Get("/healthz");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(HttpServerTest, ChunkedBodyIsRefusedBeforeItIsRead) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  // A chunked body has no Content-Length to check up front, so it is refused unread.
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());
  raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" +
           std::string(1000, 'b') + "\r\n");
  bool closed = false;
  std::string reply = raw.ReadUntilClosed(1000, &closed);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 411"));
  EXPECT_THAT(reply, HasSubstr("Content-Length header"));
  auto after = client_->Get("/healthz");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(HttpServerTest, StalledRequestIsDroppedAtTheReadTimeout) {
  HttpServerOptions options;
  options.read_timeout = absl::Milliseconds(200);
  StartServer(options);
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());
  raw.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // headers never finish
  bool closed = false;
  // httplib answers a request it could not finish reading with 400; with its
  // default 5 s read timeout nothing would arrive within this 1.5 s wait.
  std::string reply = raw.ReadUntilClosed(1500, &closed);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 400"));
  auto after = client_->Get("/healthz");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(HttpServerTest, UnknownPathIs404WithABody) {
  StartServer();
  auto response = client_->Get("/nope");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_THAT(response->body, HasSubstr("404"));
}

// Sends GET /healthz on one connection, each after the answer to the one
// before, until `requests` were sent or the server closed the connection;
// returns how many were answered.
int AnsweredOnOneConnection(uint16_t port, int requests, bool* closed) {
  RawConnection connection(port);
  EXPECT_TRUE(connection.connected());
  int answered = 0;
  *closed = false;
  for (int i = 0; i < requests && !*closed; ++i) {
    connection.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string answer = connection.ReadUntil("ok\n", 2000, closed);
    if (answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok\n")) ++answered;
  }
  if (!*closed) connection.ReadUntilClosed(100, closed);
  return answered;
}

TEST_F(HttpServerTest, AConnectionCarriesAtMostKeepAliveMaxRequests) {
  HttpServerOptions options;
  options.keep_alive_max_requests = 3;
  StartServer(options);
  bool closed = false;
  EXPECT_EQ(AnsweredOnOneConnection(server_->port(), 5, &closed), 3);
  EXPECT_TRUE(closed);
}

TEST_F(HttpServerTest, AKeepAliveConnectionStaysOpenBelowTheLimit) {
  HttpServerOptions options;
  options.keep_alive_max_requests = 100;
  StartServer(options);
  bool closed = true;
  EXPECT_EQ(AnsweredOnOneConnection(server_->port(), 20, &closed), 20);
  EXPECT_FALSE(closed);
}

TEST(HttpServerListenTest, AddressInUseIsAClearError) {
  HttpServer first(HttpServerOptions{});
  ASSERT_TRUE(first.Start().ok());
  HttpServerOptions options;
  options.listen.port = first.port();
  HttpServer second(options);
  absl::Status status = second.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), HasSubstr(first.address()));
}

TEST(HttpServerListenTest, AnUnusableCertificateIsRefusedAtStart) {
  HttpServerOptions options;
  options.tls_cert_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  options.tls_key_pem = "garbage";
  HttpServer server(options);
  const absl::Status status = server.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("certificate or key is not valid PEM"));
  EXPECT_EQ(server.port(), 0);  // nothing was bound
}

// ss (Debian's iproute2) shows a listening socket's backlog as its Send-Q.
TEST(HttpServerListenTest, ListensWithTheConfiguredBacklog) {
  HttpServerOptions options;
  options.listen_backlog = 777;  // under net.core.somaxconn, so not capped
  HttpServer server(options);
  ASSERT_TRUE(server.Start().ok());
  absl::StatusOr<SubprocessResult> ss =
      RunSubprocess({.argv = {"ss", "-Hltn", StrCat("sport = :", server.port())},
                     .env = Environment::FromProcess(),
                     .timeout = absl::Seconds(10)});
  ASSERT_TRUE(ss.ok()) << ss.status() << " (install iproute2)";
  ASSERT_TRUE(ss->Succeeded()) << ss->Describe() << ": " << ss->stderr_text;
  const std::vector<std::string> columns = absl::StrSplit(ss->stdout_text, ' ', absl::SkipEmpty());
  ASSERT_GE(columns.size(), 4u) << ss->stdout_text;
  EXPECT_EQ(columns[0], "LISTEN");
  EXPECT_EQ(columns[2], "777") << ss->stdout_text;
}

TEST(HttpServerListenTest, StopIsIdempotentAndPrompt) {
  HttpServer server(HttpServerOptions{});
  ASSERT_TRUE(server.Start().ok());
  server.Stop();
  server.Stop();
  httplib::Client client("127.0.0.1", server.port());
  EXPECT_FALSE(client.Get("/healthz"));
}

}  // namespace
}  // namespace nvsx::core
