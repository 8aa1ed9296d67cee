// Serving, routing and authentication; the verbs are in api_server_read.cc
// and api_server_write.cc.

#include "sim/api_server.h"

#include <openssl/crypto.h>

#include "absl/strings/ascii.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "sim/api_call.h"
#include "sim/api_error.h"
#include "sim/openapi.h"
#include "sim/pod_log_request.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

core::HttpServerOptions HttpOptions(const ApiServerOptions& options) {
  core::HttpServerOptions http;
  http.listen = options.listen;
  http.worker_threads = options.worker_threads;
  http.max_body_bytes = options.max_body_bytes;
  http.write_timeout = absl::Seconds(30);
  http.tls_cert_pem = options.tls_cert_pem;
  http.tls_key_pem = options.tls_key_pem;
  return http;
}

}  // namespace

ApiServer::ApiServer(const core::Clock* clock, ApiServerOptions options)
    : clock_(clock),
      options_(std::move(options)),
      store_(clock, options_.store),
      pod_logs_(clock),
      http_(HttpOptions(options_)) {
  RegisterRoutes(http_.routes());
}

void ApiServer::RegisterRoutes(httplib::Server& routes) {
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    auto handler = [this, method](const httplib::Request& request, httplib::Response& response) {
      Handle(method, request, response);
    };
    const std::string m = method;
    if (m == "GET") routes.Get(".*", handler);
    if (m == "POST") routes.Post(".*", handler);
    if (m == "PUT") routes.Put(".*", handler);
    if (m == "PATCH") routes.Patch(".*", handler);
    if (m == "DELETE") routes.Delete(".*", handler);
  }
  // Errors httplib raises itself (a body over the limit, a malformed request)
  // become Status objects too.
  routes.set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (!response.body.empty()) return;
    absl::Status status =
        response.status == 413
            ? ApiError(413, "RequestEntityTooLarge", "the request body is too large")
            : ApiError(response.status, response.status == 404 ? "NotFound" : "BadRequest",
                       core::StrCat("HTTP ", response.status));
    response.set_content(ToKubeStatus(status).dump(), kJsonMediaType);
  });
}

ApiServer::~ApiServer() { Stop(); }

uint16_t ApiServer::port() const { return http_.port(); }

std::string ApiServer::address() const { return http_.address(); }

std::string ApiServer::url() const {
  return core::StrCat(options_.tls_cert_pem.empty() ? "http://" : "https://", address());
}

absl::Status ApiServer::RestoreState() {
  NVSX_ASSIGN_OR_RETURN(state_, StateFile::Open(options_.state_file));
  NVSX_ASSIGN_OR_RETURN(StateFile::Contents saved, state_->Load());
  NVSX_RETURN_IF_ERROR(store_.Restore(saved.objects, saved.resource_version));
  // The saved CRDs define resources again.
  const std::string crds =
      Builtin("apiextensions.k8s.io", "customresourcedefinitions").GroupResource();
  for (const SavedObject& object : saved.objects) {
    if (object.group_resource != crds) continue;
    absl::Status registered = registry_.AddCrd(json::parse(object.text));
    if (!registered.ok()) {
      return core::Annotate(
          registered, core::StrCat("--state ", options_.state_file.string(), ": CRD ", object.key));
    }
  }
  return absl::OkStatus();
}

absl::Status ApiServer::Start() {
  if (!options_.state_file.empty() && state_ == nullptr) NVSX_RETURN_IF_ERROR(RestoreState());
  if (state_ != nullptr) store_.SetJournal(state_.get());
  if (!options_.audit_log.empty() && audit_ == nullptr) {
    NVSX_ASSIGN_OR_RETURN(audit_, AuditLog::Open(options_.audit_log));
  }
  ResourceInfo namespaces = Builtin("", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    absl::StatusOr<json> created = store_.Create(
        namespaces, "", {{"metadata", {{"name", name}}}, {"status", {{"phase", "Active"}}}});
    if (!created.ok() && created.status().code() != absl::StatusCode::kAlreadyExists) {
      return created.status();
    }
  }
  stopping_ = false;
  return http_.Start();
}

void ApiServer::Stop() {
  stopping_ = true;
  http_.Stop();
  if (state_ != nullptr) {
    store_.SetJournal(nullptr);
    state_->Checkpoint().IgnoreError();  // the writes are in the log already
  }
}

ResourceInfo ApiServer::Builtin(const std::string& group, const std::string& resource) const {
  // Every built-in kind the server looks up itself is served at v1, and no
  // CRD may take a built-in group.
  return registry_.Find(group, "v1", resource).value_or(ResourceInfo{});
}

void ApiServer::Handle(const std::string& method, const httplib::Request& request,
                       httplib::Response& response) {
  Call call{method, request, response, {}, {}};
  absl::Status status = Authenticate(request);
  try {
    if (status.ok()) status = Route(call);
  } catch (const std::exception& error) {
    status = ApiError(500, "InternalError", core::StrCat("internal error: ", error.what()));
  }
  if (!status.ok()) call.Reply(HttpCodeOf(status), ToKubeStatus(status));
  if (audit_ != nullptr && !call.resource.resource.empty()) {
    audit_->Record({.user_agent = request.get_header_value("User-Agent"),
                    .verb = RbacVerb(method, !call.path.name.empty(),
                                     Truthy(request.get_param_value("watch"))),
                    .group = call.resource.group,
                    .resource = call.resource.resource,
                    .subresource = call.path.subresource,
                    .namespace_name = call.path.namespace_name,
                    .code = response.status});
  }
}

absl::Status ApiServer::Authenticate(const httplib::Request& request) const {
  if (options_.bearer_token.empty()) return absl::OkStatus();
  const std::string header = request.get_header_value("Authorization");
  constexpr size_t kScheme = 7;  // "Bearer ", in any case
  if (header.empty() && (request.path == "/version" || request.path == "/version/")) {
    return absl::OkStatus();
  }
  if (header.size() > kScheme && absl::AsciiStrToLower(header.substr(0, kScheme)) == "bearer ") {
    const std::string given = header.substr(kScheme);
    // Compared in constant time, so the answer's timing does not leak the token.
    if (given.size() == options_.bearer_token.size() &&
        CRYPTO_memcmp(given.data(), options_.bearer_token.data(), given.size()) == 0) {
      return absl::OkStatus();
    }
  }
  return ApiError(401, "Unauthorized", "Unauthorized");
}

absl::Status ApiServer::Route(Call& call) {
  const std::string& path = call.http.path;
  if (path == "/version" || path == "/version/") {
    if (call.method != "GET") return MethodNotSupported("version", call.method);
    call.Reply(200, {{"major", "1"},
                     {"minor", "32"},
                     {"gitVersion", "v1.32.0-nvsx-sim"},
                     {"gitCommit", "0000000000000000000000000000000000000000"},
                     {"gitTreeState", "clean"},
                     {"buildDate", "2026-01-01T00:00:00Z"},
                     {"goVersion", "none"},
                     {"compiler", "nvsx"},
                     {"platform", "linux/amd64"}});
    return absl::OkStatus();
  }
  if (path == "/api" || path == "/api/" || path == "/apis" || path == "/apis/") {
    if (call.method != "GET") return MethodNotSupported("discovery", call.method);
    const bool core_group = !path.starts_with("/apis");
    if (std::optional<std::string> version = AggregatedDiscoveryVersion(call.http)) {
      call.response.status = 200;
      call.response.set_content(registry_.AggregatedDiscovery(core_group, *version).dump(),
                                core::StrCat("application/json;g=apidiscovery.k8s.io;v=", *version,
                                             ";as=APIGroupDiscoveryList"));
      return absl::OkStatus();
    }
    call.Reply(200, core_group ? registry_.ApiVersions(address()) : registry_.ApiGroupList());
    return absl::OkStatus();
  }
  if (path == "/openapi/v3" || path.starts_with("/openapi/v3/")) {
    if (call.method != "GET") return MethodNotSupported("openapi", call.method);
    std::optional<json> document;
    if (path == "/openapi/v3" || path == "/openapi/v3/") {
      document = OpenApiV3Index(registry_);
    } else if (absl::StatusOr<RequestPath> gv = ParseRequestPath(path.substr(11));
               gv.ok() && gv->resource.empty()) {
      document = OpenApiV3GroupVersion(registry_, gv->group, gv->version);
    }
    if (!document.has_value()) {
      return ApiError(404, "NotFound", "the server could not find the requested resource");
    }
    call.Reply(200, *document);
    return absl::OkStatus();
  }
  absl::StatusOr<RequestPath> parsed = ParseRequestPath(path);
  if (!parsed.ok()) {
    return ApiError(
        404, "NotFound", "the server could not find the requested resource",
        json{{"causes",
              {{{"reason", "UnexpectedServerResponse"}, {"message", "404 page not found"}}}}});
  }
  call.path = *std::move(parsed);
  if (call.path.resource.empty()) return Discovery(call);
  std::optional<ResourceInfo> resource =
      registry_.Find(call.path.group, call.path.version, call.path.resource);
  if (!resource.has_value()) {
    return ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  call.resource = *std::move(resource);
  if (!call.resource.namespaced && !call.path.namespace_name.empty()) {
    return ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  if (call.resource.namespaced && call.path.namespace_name.empty() && !call.path.name.empty()) {
    return ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  const std::string& sub = call.path.subresource;
  if (!sub.empty()) {
    bool known = false;
    for (const std::string& candidate : call.resource.subresources) known |= candidate == sub;
    if (!known)
      return ApiError(404, "NotFound", "the server could not find the requested resource");
    if (sub == "eviction") {
      if (call.method != "POST") return MethodNotSupported("Eviction", call.method);
      return Evict(call);
    }
    if (sub == "log") {
      if (call.method != "GET") return MethodNotSupported("pods/log", call.method);
      NVSX_ASSIGN_OR_RETURN(json pod,
                            store_.Get(call.resource, call.path.namespace_name, call.path.name));
      return ServePodLog(pod_logs_, pod, call.http, call.response, stopping_);
    }
  }
  if (call.method == "GET") {
    if (!call.path.name.empty()) return Get(call);
    if (Truthy(call.http.get_param_value("watch"))) return Watch(call);
    return List(call);
  }
  if (call.method == "POST") {
    if (!call.path.name.empty())
      return MethodNotSupported(call.resource.kind, "create with a name");
    return Create(call);
  }
  if (call.method == "PUT") {
    if (call.path.name.empty()) return MethodNotSupported(call.resource.kind, "update of a list");
    return Update(call);
  }
  if (call.method == "PATCH") {
    if (call.path.name.empty()) return MethodNotSupported(call.resource.kind, "patch of a list");
    return Patch(call);
  }
  if (call.path.name.empty()) return DeleteCollection(call);
  return Delete(call);
}

absl::Status ApiServer::Discovery(Call& call) {
  if (call.method != "GET") return MethodNotSupported("discovery", call.method);
  if (!call.path.namespace_name.empty()) {
    return ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  std::optional<json> list = registry_.ApiResourceList(call.path.group, call.path.version);
  if (!list.has_value()) {
    return ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  call.Reply(200, *list);
  return absl::OkStatus();
}

}  // namespace nvsx::sim
