#pragma once

// The embedded Kubernetes API server: JSON over HTTP/1.1 on 127.0.0.1,
// speaking enough of the real protocol for stock kubectl and the official
// clients (discovery, get/list/watch/create/update/patch/delete, status
// subresources, pod eviction with PodDisruptionBudgets, CustomResource
// Definitions and the resources they define, Table output). Every error is a
// Kubernetes Status object with the code the real server would send.
//
// Not yet: TLS and authentication, OpenAPI documents (kubectl falls back),
// server-side apply, protobuf.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/http_server.h"
#include "core/net_address.h"
#include "sim/object_store.h"
#include "sim/request_path.h"
#include "sim/resource_registry.h"

namespace nvsx::sim {

struct ApiServerOptions {
  core::HostPort listen{"127.0.0.1", 0};
  // Each open watch holds a worker thread.
  size_t worker_threads = 64;
  // The real server's limit on a request body.
  size_t max_body_bytes = 3 * 1024 * 1024;
  // How often an idle watch that asked for bookmarks gets one.
  absl::Duration bookmark_interval = absl::Minutes(1);
  // Watches without timeoutSeconds end after this long (clients re-watch).
  absl::Duration default_watch_timeout = absl::Minutes(30);
  ObjectStoreOptions store;
};

class ApiServer {
 public:
  // `clock` must outlive the server.
  ApiServer(const core::Clock* clock, ApiServerOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Creates the default namespaces and starts serving.
  absl::Status Start();
  // Ends open watches, stops serving and joins the server thread. Idempotent.
  void Stop();

  uint16_t port() const { return http_.port(); }
  // "http://127.0.0.1:PORT".
  std::string url() const;

  ObjectStore& store() { return store_; }
  ResourceRegistry& registry() { return registry_; }

 private:
  struct Call;

  void Handle(const std::string& method, const httplib::Request& request,
              httplib::Response& response);
  absl::Status Route(Call& call);
  absl::Status Discovery(Call& call);
  absl::Status Get(Call& call);
  absl::Status List(Call& call);
  absl::Status Watch(Call& call);
  absl::Status Create(Call& call);
  absl::Status Update(Call& call);
  absl::Status Patch(Call& call);
  absl::Status Delete(Call& call);
  absl::Status DeleteCollection(Call& call);
  absl::Status Evict(Call& call);

  absl::Status RequireNamespace(const std::string& namespace_name);
  // Built-in behaviour on create (status resets, CRD registration).
  absl::Status PrepareCreate(const ResourceInfo& resource, nlohmann::json& object);
  absl::Status AfterWrite(const ResourceInfo& resource, const nlohmann::json& object);
  absl::Status AfterDelete(const ResourceInfo& resource, const nlohmann::json& object);
  // Checks `object` for `resource`; prunes a custom resource's undeclared
  // fields, or refuses them when `strict`.
  absl::Status Validate(const ResourceInfo& resource, nlohmann::json& object, bool strict);
  ResourceInfo Builtin(const std::string& group, const std::string& resource) const;

  const core::Clock* const clock_;
  const ApiServerOptions options_;
  ObjectStore store_;
  ResourceRegistry registry_;
  core::HttpServer http_;
  std::atomic<bool> stopping_{false};
  // Evictions check budgets and delete as one step.
  std::mutex eviction_mu_;
};

}  // namespace nvsx::sim
