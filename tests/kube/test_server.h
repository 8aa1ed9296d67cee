#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "httplib.h"

namespace nvsx::kube::testing {

// What the server saw of one request.
struct SeenRequest {
  std::string method;
  std::string target;  // path and raw query, as sent
  std::string path;
  httplib::Params params;  // decoded query
  httplib::Headers headers;
  std::string body;
  int remote_port = 0;  // the client's port: equal ports mean a reused connection

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// An HTTP(S) server on 127.0.0.1 and a port picked by the kernel, serving
// from a thread for the life of the object. Register handlers on routes()
// before Start(); every request that matched a handler is recorded.
class TestServer {
 public:
  explicit TestServer(std::unique_ptr<httplib::Server> server = std::make_unique<httplib::Server>())
      : server_(std::move(server)) {
    // Recorded after the handler ran but before the response is written, so
    // a test sees every request its call made once the call returns.
    server_->set_post_routing_handler([this](const httplib::Request& request, httplib::Response&) {
      std::lock_guard<std::mutex> guard(mu_);
      seen_.push_back({request.method, request.target, request.path, request.params,
                       request.headers, request.body, request.remote_port});
    });
  }
  ~TestServer() { Stop(); }

  httplib::Server& routes() { return *server_; }

  void Start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() before the accept loop runs would be lost; wait until it does.
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void Stop() {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }
  int port() const { return port_; }
  std::string Url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }
  std::vector<SeenRequest> seen() {
    std::lock_guard<std::mutex> guard(mu_);
    return seen_;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<SeenRequest> seen_;
};

}  // namespace nvsx::kube::testing
