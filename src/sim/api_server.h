#pragma once

// The embedded Kubernetes API server: JSON over HTTP/1.1 on 127.0.0.1,
// speaking enough of the real protocol for stock kubectl and the official
// clients (discovery, aggregated as kubectl asks for it or per group version;
// get/list/watch/create/update/patch/delete, status subresources, pod
// eviction with PodDisruptionBudgets, CustomResourceDefinitions and the
// resources they define, Table output). Every error is a Kubernetes Status
// object with the code the real server would send.
//
// Optional https and bearer-token authentication (see ApiServerOptions).
// Server-side apply without field ownership. Not yet: full OpenAPI
// documents (kubectl falls back), protobuf.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/http_server.h"
#include "core/net_address.h"
#include "sim/audit_log.h"
#include "sim/object_store.h"
#include "sim/pod_logs.h"
#include "sim/request_path.h"
#include "sim/resource_registry.h"
#include "sim/state_file.h"

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
  // Deleting (or evicting) a pod bound to a node marks it for its grace
  // period and leaves its removal to a kubelet (SimKubelet), as on a real
  // cluster. Off, pods go at once: with no kubelet running, a bound pod would
  // otherwise stay Terminating for ever.
  bool pod_grace_periods = false;
  // When not empty, requests must carry "Authorization: Bearer <token>":
  // a wrong token is 401 Unauthorized everywhere, a missing one everywhere
  // but /version (open to anonymous clients on a real server, as are
  // /healthz and /readyz).
  std::string bearer_token;
  // With a certificate and key (PEM; see MakeSelfSignedTls), the server
  // speaks https only.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  // When set, objects are loaded from this SQLite file at Start() and every
  // change is written through to it (see StateFile).
  std::filesystem::path state_file;
  // When set, every resource request is appended here (see AuditLog).
  std::filesystem::path audit_log;
};

class ApiServer {
 public:
  // `clock` must outlive the server.
  ApiServer(const core::Clock* clock, ApiServerOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Loads the state file (once), creates the default namespaces and starts serving.
  absl::Status Start();
  // Ends open watches, stops serving and joins the server thread. Idempotent.
  void Stop();

  uint16_t port() const;
  // "http://127.0.0.1:PORT", or https:// with TLS.
  std::string url() const;

  ObjectStore& store() { return store_; }
  // What the pods' containers print (written by SimKubelet), served at pods/NAME/log.
  PodLogs& pod_logs() { return pod_logs_; }
  ResourceRegistry& registry() { return registry_; }

 private:
  struct Call;

  void Handle(const std::string& method, const httplib::Request& request,
              httplib::Response& response);
  void RegisterRoutes(httplib::Server& routes);
  absl::Status RestoreState();
  // "127.0.0.1:PORT" of whichever server serves.
  std::string address() const;
  absl::Status Authenticate(const httplib::Request& request) const;
  absl::Status Route(Call& call);
  absl::Status Discovery(Call& call);
  absl::Status Get(Call& call);
  absl::Status List(Call& call);
  absl::Status Watch(Call& call);
  absl::Status Create(Call& call);
  absl::Status Update(Call& call);
  absl::Status Patch(Call& call);
  // Server-side apply, simplified: the applied configuration creates the
  // object or is merged into it (as a JSON merge patch). Field ownership is
  // not tracked, so there are no conflicts: the last applier wins.
  absl::Status Apply(Call& call);
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
  // The grace period a delete of this object gets (0 but for bound pods
  // when options_.pod_grace_periods).
  absl::StatusOr<int64_t> GracePeriodFor(const ResourceInfo& resource,
                                         const std::string& namespace_name, const std::string& name,
                                         std::optional<int64_t> requested);

  const core::Clock* const clock_;
  const ApiServerOptions options_;
  ObjectStore store_;
  PodLogs pod_logs_;
  ResourceRegistry registry_;
  core::HttpServer http_;  // https when the options carry a certificate
  std::unique_ptr<StateFile> state_;
  std::unique_ptr<AuditLog> audit_;
  std::atomic<bool> stopping_{false};
  // Evictions check budgets and delete as one step.
  std::mutex eviction_mu_;
};

}  // namespace nvsx::sim
