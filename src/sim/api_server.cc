#include "sim/api_server.h"

#include <openssl/crypto.h>

#include <chrono>

#include "absl/strings/ascii.h"
#include "core/json_load.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "core/yaml_load.h"
#include "sim/api_error.h"
#include "sim/eviction.h"
#include "sim/grace_period.h"
#include "sim/json_patch.h"
#include "sim/openapi.h"
#include "sim/pod_log_request.h"
#include "sim/schema_validation.h"
#include "sim/strategic_merge_patch.h"
#include "sim/table.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

constexpr char kJson[] = "application/json";

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

// The media type of a Content-Type header, without parameters.
std::string MediaType(const httplib::Request& request) {
  std::string type = request.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

// fieldValidation=Strict (what kubectl sends): unknown fields are an error
// instead of being dropped.
bool StrictFields(const httplib::Request& request) {
  return request.get_param_value("fieldValidation") == "Strict";
}

bool WantsTable(const httplib::Request& request) {
  const std::string accept = request.get_header_value("Accept");
  return accept.find("as=Table") != std::string::npos;
}

// Go's strconv.ParseBool, which the real server uses for query flags.
bool Truthy(const std::string& value) {
  return value == "1" || value == "t" || value == "T" || value == "true" || value == "TRUE" ||
         value == "True";
}

// ?dryRun=All: validate and answer as if written, change nothing.
bool DryRun(const httplib::Request& request) {
  const std::string value = request.get_param_value("dryRun");
  return value == "All" || Truthy(value);
}

std::optional<int64_t> IntParam(const httplib::Request& request, const char* name) {
  if (!request.has_param(name)) return std::nullopt;
  const std::string text = request.get_param_value(name);
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') return std::nullopt;
  return value;
}

bool IsPods(const ResourceInfo& resource) {
  return resource.group.empty() && resource.resource == "pods";
}

std::string DefaultNamespaceFor(const ResourceInfo& resource, const RequestPath& path) {
  return resource.namespaced ? path.namespace_name : "";
}

json StatusSuccess(const ResourceInfo& resource, const json& object) {
  const json metadata = object.value("metadata", json::object());
  json details = {{"name", metadata.value("name", "")}, {"kind", resource.resource}};
  if (!resource.group.empty()) details["group"] = resource.group;
  if (metadata.contains("uid")) details["uid"] = metadata["uid"];
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", json::object()},
          {"status", "Success"},
          {"details", std::move(details)}};
}

}  // namespace

struct ApiServer::Call {
  std::string method;
  const httplib::Request& http;
  httplib::Response& response;
  RequestPath path;
  ResourceInfo resource;

  void Reply(int code, const json& body) {
    response.status = code;
    response.set_content(body.dump(), kJson);
  }

  absl::StatusOr<json> Body() const {
    const std::string type = MediaType(http);
    if (type == "application/yaml") {
      absl::StatusOr<YAML::Node> yaml = core::ParseYaml(http.body, "request body");
      if (!yaml.ok()) return BadRequest(core::ToStd(yaml.status().message()));
      return core::YamlToJson(*yaml);
    }
    if (type != kJson && !type.empty()) return UnsupportedMediaType(type);
    absl::StatusOr<json> parsed = core::ParseJson(http.body, "request body");
    if (!parsed.ok())
      return BadRequest(
          core::StrCat("the request body is not valid JSON: ", parsed.status().message()));
    return parsed;
  }
};

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
    response.set_content(ToKubeStatus(status).dump(), kJson);
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
    call.Reply(200, path.starts_with("/apis") ? registry_.ApiGroupList()
                                              : registry_.ApiVersions(address()));
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

absl::Status ApiServer::Get(Call& call) {
  NVSX_ASSIGN_OR_RETURN(
      json object,
      store_.Get(call.resource, DefaultNamespaceFor(call.resource, call.path), call.path.name));
  if (WantsTable(call.http)) {
    TableOptions options{clock_->Now(), object["metadata"].value("resourceVersion", ""), "",
                         call.http.get_param_value("includeObject") == "Object"};
    call.response.status = 200;
    call.response.set_content(
        RenderTableText(call.resource, {std::make_shared<const json>(object)}, options), kJson);
    return absl::OkStatus();
  }
  call.Reply(200, object);
  return absl::OkStatus();
}

namespace {

absl::StatusOr<ListOptions> ParseListOptions(const httplib::Request& request) {
  ListOptions options;
  absl::StatusOr<LabelSelector> labels =
      LabelSelector::Parse(request.get_param_value("labelSelector"));
  if (!labels.ok()) return BadRequest(core::ToStd(labels.status().message()));
  options.labels = *std::move(labels);
  absl::StatusOr<FieldSelector> fields =
      FieldSelector::Parse(request.get_param_value("fieldSelector"));
  if (!fields.ok()) return BadRequest(core::ToStd(fields.status().message()));
  options.fields = *std::move(fields);
  if (request.has_param("limit")) {
    std::optional<int64_t> limit = IntParam(request, "limit");
    if (!limit.has_value() || *limit < 0) return BadRequest("limit must be a non-negative integer");
    options.limit = *limit;
  }
  options.continue_token = request.get_param_value("continue");
  return options;
}

}  // namespace

absl::Status ApiServer::List(Call& call) {
  NVSX_ASSIGN_OR_RETURN(ListOptions options, ParseListOptions(call.http));
  NVSX_ASSIGN_OR_RETURN(ListResult result,
                        store_.List(call.resource, call.path.namespace_name, options));
  if (WantsTable(call.http)) {
    TableOptions table{clock_->Now(), result.resource_version, result.continue_token,
                       call.http.get_param_value("includeObject") == "Object"};
    call.response.status = 200;
    call.response.set_content(RenderTableText(call.resource, result.items, table), kJson);
    return absl::OkStatus();
  }
  std::string body = core::StrCat(R"({"kind":")", call.resource.kind, R"(List","apiVersion":")",
                                  call.resource.ApiVersion(), R"(","metadata":)");
  json metadata = {{"resourceVersion", result.resource_version}};
  if (!result.continue_token.empty()) {
    metadata["continue"] = result.continue_token;
    metadata["remainingItemCount"] = result.remaining;
  }
  size_t size = body.size() + 64;
  for (const auto& text : result.texts) size += text->size() + 1;
  body.reserve(size);
  core::StrAppend(&body, metadata.dump(), R"(,"items":[)");
  for (size_t i = 0; i < result.items.size(); ++i) {
    if (i > 0) body += ',';
    body += *result.texts[i];
  }
  body += "]}";
  call.response.status = 200;
  call.response.set_content(std::move(body), kJson);
  return absl::OkStatus();
}

absl::Status ApiServer::Watch(Call& call) {
  NVSX_ASSIGN_OR_RETURN(ListOptions list, ParseListOptions(call.http));
  WatchFilter filter{call.resource.GroupResource(), call.path.namespace_name,
                     std::move(list.labels), std::move(list.fields)};
  absl::Duration timeout = options_.default_watch_timeout;
  if (std::optional<int64_t> seconds = IntParam(call.http, "timeoutSeconds")) {
    timeout = absl::Seconds(*seconds);
  }
  const bool bookmarks = Truthy(call.http.get_param_value("allowWatchBookmarks"));
  const bool table = WantsTable(call.http);
  absl::StatusOr<std::shared_ptr<WatchStream>> stream =
      store_.Watch(std::move(filter), call.http.get_param_value("resourceVersion"));
  std::shared_ptr<WatchStream> watch;
  json first_error;
  if (stream.ok()) {
    watch = *std::move(stream);
  } else if (HttpCodeOf(stream.status()) == 410) {
    // As the real server's watch cache does: the watch opens, then says why it ends.
    first_error = ToKubeStatus(stream.status());
  } else {
    return stream.status();
  }
  const ResourceInfo resource = call.resource;
  const absl::Time deadline = absl::Now() + timeout;
  auto last_bookmark = std::make_shared<absl::Time>(absl::Now());
  call.response.status = 200;
  // The real server's watch media type; httplib also leaves it uncompressed,
  // so each event reaches the client when it is written.
  call.response.set_chunked_content_provider(
      "application/json;stream=watch",
      [this, watch, first_error, resource, deadline, bookmarks, table, last_bookmark](
          size_t, httplib::DataSink& sink) {
        auto send = [&](const std::string& type, const json& object,
                        const std::shared_ptr<const std::string>& text = nullptr) {
          std::string line;
          if (table && type != "ERROR" && type != "BOOKMARK") {
            line = core::StrCat(R"({"type":")", type, R"(","object":)",
                                RenderTableText(resource, {std::make_shared<const json>(object)},
                                                {clock_->Now(), "", "", false}),
                                "}");
          } else if (text != nullptr) {
            line = core::StrCat(R"({"type":")", type, R"(","object":)", *text, "}");
          } else {
            line = json{{"type", type}, {"object", object}}.dump();
          }
          line += '\n';
          return sink.write(line.data(), line.size());
        };
        if (!first_error.is_null()) {
          send("ERROR", first_error);
          sink.done();
          return true;
        }
        while (!stopping_ && absl::Now() < deadline) {
          std::optional<WatchEvent> event = watch->Next(absl::Milliseconds(200));
          if (event.has_value()) {
            if (!send(event->type, *event->object, event->text)) {
              watch->Close();
              return false;
            }
            if (event->type == "ERROR") break;
            return true;
          }
          if (watch->done()) break;
          if (bookmarks && absl::Now() - *last_bookmark >= options_.bookmark_interval) {
            *last_bookmark = absl::Now();
            if (std::optional<WatchEvent> mark =
                    store_.Bookmark(*watch, resource.ApiVersion(), resource.kind)) {
              if (!send(mark->type, *mark->object)) {
                watch->Close();
                return false;
              }
              return true;
            }
          }
          if (sink.is_writable && !sink.is_writable()) {
            watch->Close();
            return false;
          }
        }
        watch ? watch->Close() : void();
        sink.done();
        return true;
      },
      [watch](bool) {
        if (watch) watch->Close();
      });
  return absl::OkStatus();
}

absl::Status ApiServer::RequireNamespace(const std::string& namespace_name) {
  absl::StatusOr<json> found = store_.Get(Builtin("", "namespaces"), "", namespace_name);
  return found.ok() ? absl::OkStatus() : found.status();
}

absl::Status ApiServer::Validate(const ResourceInfo& resource, json& object, bool strict) {
  if (object.contains("kind") && object["kind"].is_string() &&
      object["kind"].get<std::string>() != resource.kind) {
    return BadRequest(core::StrCat("the object's kind \"", object["kind"].get<std::string>(),
                                   "\" does not match the resource \"", resource.resource,
                                   "\" (kind ", resource.kind, ")"));
  }
  if (resource.crd_name.empty()) {
    if (resource.resource == "customresourcedefinitions") {
      absl::StatusOr<std::vector<ResourceInfo>> infos = ResourcesFromCrd(object);
      const std::string name = object.value("metadata", json::object()).value("name", "");
      if (!infos.ok()) {
        return Invalid(resource.group, resource.kind, name,
                       {{"FieldValueInvalid", "spec", std::string(infos.status().message())}});
      }
      const json& spec = object["spec"];
      const std::string expected =
          core::StrCat(spec["names"].value("plural", ""), ".", spec.value("group", ""));
      if (name != expected) {
        return Invalid(resource.group, resource.kind, name,
                       {{"FieldValueInvalid", "metadata.name",
                         core::StrCat("Invalid value: \"", name,
                                      "\": must be spec.names.plural+\".\"+spec.group")}});
      }
    }
    return absl::OkStatus();
  }
  if (resource.schema == nullptr) return absl::OkStatus();
  std::vector<std::string> unknown = PruneUnknownFields(object, *resource.schema);
  if (!unknown.empty() && strict) {
    std::string fields;
    for (const std::string& field : unknown) {
      core::StrAppend(&fields, fields.empty() ? "" : ", ", "unknown field \"", field, "\"");
    }
    return BadRequest(core::StrCat("strict decoding error: ", fields));
  }
  std::vector<FieldCause> causes = ValidateAgainstSchema(object, *resource.schema);
  if (causes.empty()) return absl::OkStatus();
  return Invalid(resource.group, resource.kind,
                 object.value("metadata", json::object()).value("name", ""), causes);
}

absl::Status ApiServer::PrepareCreate(const ResourceInfo& resource, json& object) {
  if (!object.is_object()) return BadRequest("the object to create must be a JSON object");
  if (object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("managedFields");
    object["metadata"].erase("resourceVersion");
  }
  if (resource.group.empty() && resource.resource == "pods") {
    object["status"] = {{"phase", "Pending"}};
  } else if (resource.group.empty() && resource.resource == "namespaces") {
    object["status"] = {{"phase", "Active"}};
  } else if (resource.resource == "customresourcedefinitions") {
    const json& spec = object["spec"];
    json versions = json::array();
    for (const json& version : spec["versions"]) {
      if (version.value("storage", false)) versions.push_back(version.value("name", ""));
    }
    object["status"] = {{"acceptedNames", spec["names"]},
                        {"storedVersions", versions},
                        {"conditions",
                         {{{"type", "NamesAccepted"},
                           {"status", "True"},
                           {"reason", "NoConflicts"},
                           {"message", "no conflicts found"},
                           {"lastTransitionTime", store_.Timestamp()}},
                          {{"type", "Established"},
                           {"status", "True"},
                           {"reason", "InitialNamesAccepted"},
                           {"message", "the initial names have been accepted"},
                           {"lastTransitionTime", store_.Timestamp()}}}}};
  } else if (!resource.crd_name.empty() && resource.has_status) {
    object.erase("status");
  }
  return absl::OkStatus();
}

absl::Status ApiServer::AfterWrite(const ResourceInfo& resource, const json& object) {
  if (resource.resource == "customresourcedefinitions" && resource.crd_name.empty()) {
    return registry_.AddCrd(object);
  }
  return absl::OkStatus();
}

absl::Status ApiServer::AfterDelete(const ResourceInfo& resource, const json& object) {
  const std::string name = object["metadata"].value("name", "");
  if (resource.crd_name.empty() && resource.resource == "customresourcedefinitions") {
    // The CRD's objects go with it.
    std::vector<ResourceInfo> defined;
    for (const ResourceInfo& info : registry_.All()) {
      if (info.crd_name == name) defined.push_back(info);
    }
    registry_.RemoveCrd(name);
    if (!defined.empty()) {
      NVSX_ASSIGN_OR_RETURN(ListResult all, store_.List(defined[0], "", {}));
      for (const auto& item : all.items) {
        const json& metadata = (*item)["metadata"];
        store_.Delete(defined[0], metadata.value("namespace", ""), metadata.value("name", ""), {})
            .IgnoreError();
      }
    }
  }
  if (resource.group.empty() && resource.resource == "namespaces") {
    for (const ResourceInfo& info : registry_.All()) {
      if (!info.namespaced) continue;
      NVSX_ASSIGN_OR_RETURN(ListResult all, store_.List(info, name, {}));
      for (const auto& item : all.items) {
        store_.Delete(info, name, (*item)["metadata"].value("name", ""), {}).IgnoreError();
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ApiServer::Create(Call& call) {
  if (!call.path.subresource.empty()) return MethodNotSupported(call.resource.kind, "create");
  NVSX_ASSIGN_OR_RETURN(json object, call.Body());
  if (call.resource.namespaced) NVSX_RETURN_IF_ERROR(RequireNamespace(call.path.namespace_name));
  NVSX_RETURN_IF_ERROR(Validate(call.resource, object, StrictFields(call.http)));
  NVSX_RETURN_IF_ERROR(PrepareCreate(call.resource, object));
  if (DryRun(call.http)) {
    call.Reply(201, object);
    return absl::OkStatus();
  }
  NVSX_ASSIGN_OR_RETURN(json created,
                        store_.Create(call.resource, call.path.namespace_name, std::move(object)));
  if (absl::Status registered = AfterWrite(call.resource, created); !registered.ok()) {
    store_.Delete(call.resource, "", created["metadata"].value("name", ""), {}).IgnoreError();
    return Invalid(call.resource.group, call.resource.kind, created["metadata"].value("name", ""),
                   {{"FieldValueInvalid", "spec", std::string(registered.message())}});
  }
  call.Reply(201, created);
  return absl::OkStatus();
}

absl::Status ApiServer::Update(Call& call) {
  NVSX_ASSIGN_OR_RETURN(json object, call.Body());
  if (!object.is_object()) return BadRequest("the object must be a JSON object");
  NVSX_RETURN_IF_ERROR(Validate(call.resource, object, StrictFields(call.http)));
  if (DryRun(call.http)) {
    call.Reply(200, object);
    return absl::OkStatus();
  }
  const Subresource sub =
      call.path.subresource == "status" ? Subresource::kStatus : Subresource::kMain;
  NVSX_ASSIGN_OR_RETURN(json updated,
                        store_.Update(call.resource, DefaultNamespaceFor(call.resource, call.path),
                                      call.path.name, std::move(object), sub));
  NVSX_RETURN_IF_ERROR(AfterWrite(call.resource, updated));
  call.Reply(200, updated);
  return absl::OkStatus();
}

absl::Status ApiServer::Patch(Call& call) {
  const std::string type = MediaType(call.http);
  enum class Kind { kMerge, kJson, kStrategic } kind;
  if (type == "application/merge-patch+json") {
    kind = Kind::kMerge;
  } else if (type == "application/json-patch+json") {
    kind = Kind::kJson;
  } else if (type == "application/strategic-merge-patch+json") {
    if (!call.resource.crd_name.empty()) {
      return ApiError(415, "UnsupportedMediaType",
                      "strategic merge patch is not supported for custom resources; use "
                      "application/merge-patch+json or application/json-patch+json");
    }
    kind = Kind::kStrategic;
  } else if (type == "application/apply-patch+yaml") {
    return Apply(call);
  } else {
    return UnsupportedMediaType(type);
  }
  absl::StatusOr<json> patch = core::ParseJson(call.http.body, "patch");
  if (!patch.ok()) {
    return BadRequest(core::StrCat("the patch is not valid JSON: ", patch.status().message()));
  }
  const ResourceInfo& resource = call.resource;
  const bool strict = StrictFields(call.http);
  auto mutate = [&](const json& current) -> absl::StatusOr<json> {
    absl::StatusOr<json> patched;
    switch (kind) {
      case Kind::kMerge:
        if (!patch->is_object()) return BadRequest("a merge patch must be a JSON object");
        patched = ApplyMergePatch(current, *patch);
        break;
      case Kind::kJson:
        patched = ApplyJsonPatch(current, *patch);
        if (!patched.ok() && patched.status().code() == absl::StatusCode::kFailedPrecondition) {
          return ApiError(422, "Invalid", core::ToStd(patched.status().message()));
        }
        break;
      case Kind::kStrategic:
        patched = ApplyStrategicMergePatch(current, *patch, DefaultPatchMergeKeys());
        break;
    }
    if (!patched.ok()) {
      return HttpCodeOf(patched.status()) == 400 || HttpCodeOf(patched.status()) == 500
                 ? BadRequest(core::ToStd(patched.status().message()))
                 : patched.status();
    }
    NVSX_RETURN_IF_ERROR(Validate(resource, *patched, strict));
    return patched;
  };
  if (DryRun(call.http)) {
    NVSX_ASSIGN_OR_RETURN(
        json current,
        store_.Get(resource, DefaultNamespaceFor(resource, call.path), call.path.name));
    NVSX_ASSIGN_OR_RETURN(json patched, mutate(current));
    call.Reply(200, patched);
    return absl::OkStatus();
  }
  const Subresource sub =
      call.path.subresource == "status" ? Subresource::kStatus : Subresource::kMain;
  NVSX_ASSIGN_OR_RETURN(json updated,
                        store_.Mutate(resource, DefaultNamespaceFor(resource, call.path),
                                      call.path.name, mutate, sub));
  NVSX_RETURN_IF_ERROR(AfterWrite(resource, updated));
  call.Reply(200, updated);
  return absl::OkStatus();
}

absl::Status ApiServer::Apply(Call& call) {
  if (call.http.get_param_value("fieldManager").empty()) {
    return BadRequest("PATCH, application/apply-patch+yaml requires fieldManager parameter");
  }
  absl::StatusOr<YAML::Node> yaml = core::ParseYaml(call.http.body, "applied configuration");
  if (!yaml.ok()) return BadRequest(core::ToStd(yaml.status().message()));
  json applied = core::YamlToJson(*yaml);
  if (!applied.is_object()) return BadRequest("the applied configuration must be an object");
  const std::string name = applied.value("metadata", json::object()).value("name", "");
  if (name != call.path.name) {
    return BadRequest(core::StrCat("the name of the applied configuration (", name,
                                   ") does not match the name on the URL (", call.path.name, ")"));
  }
  applied["metadata"].erase("resourceVersion");
  applied["metadata"].erase("managedFields");
  const ResourceInfo& resource = call.resource;
  const std::string namespace_name = DefaultNamespaceFor(resource, call.path);
  const bool strict = StrictFields(call.http);
  const Subresource sub =
      call.path.subresource == "status" ? Subresource::kStatus : Subresource::kMain;
  absl::StatusOr<json> current = store_.Get(resource, namespace_name, call.path.name);
  if (!current.ok() && current.status().code() == absl::StatusCode::kNotFound &&
      sub == Subresource::kMain) {
    // Applying what is not there creates it.
    if (resource.namespaced) NVSX_RETURN_IF_ERROR(RequireNamespace(namespace_name));
    NVSX_RETURN_IF_ERROR(Validate(resource, applied, strict));
    NVSX_RETURN_IF_ERROR(PrepareCreate(resource, applied));
    NVSX_ASSIGN_OR_RETURN(json created,
                          store_.Create(resource, namespace_name, std::move(applied)));
    NVSX_RETURN_IF_ERROR(AfterWrite(resource, created));
    call.Reply(201, created);
    return absl::OkStatus();
  }
  NVSX_RETURN_IF_ERROR(current.status());
  auto merge = [&](const json& stored) -> absl::StatusOr<json> {
    json patched = ApplyMergePatch(stored, applied);
    NVSX_RETURN_IF_ERROR(Validate(resource, patched, strict));
    return patched;
  };
  NVSX_ASSIGN_OR_RETURN(json updated,
                        store_.Mutate(resource, namespace_name, call.path.name, merge, sub));
  NVSX_RETURN_IF_ERROR(AfterWrite(resource, updated));
  call.Reply(200, updated);
  return absl::OkStatus();
}

absl::Status ApiServer::Delete(Call& call) {
  if (!call.path.subresource.empty()) return MethodNotSupported(call.resource.kind, "delete");
  DeleteOptions options;
  json delete_options;
  if (!call.http.body.empty()) {
    absl::StatusOr<json> body = core::ParseJson(call.http.body, "delete options");
    if (!body.ok()) return BadRequest(core::ToStd(body.status().message()));
    delete_options = *body;
    if (body->contains("preconditions") && (*body)["preconditions"].is_object()) {
      const json& preconditions = (*body)["preconditions"];
      if (preconditions.contains("resourceVersion") &&
          preconditions["resourceVersion"].is_string()) {
        options.resource_version = preconditions["resourceVersion"].get<std::string>();
      }
      if (preconditions.contains("uid") && preconditions["uid"].is_string()) {
        options.uid = preconditions["uid"].get<std::string>();
      }
    }
  }
  const std::string namespace_name = DefaultNamespaceFor(call.resource, call.path);
  if (DryRun(call.http)) {
    NVSX_ASSIGN_OR_RETURN(json current, store_.Get(call.resource, namespace_name, call.path.name));
    call.Reply(200, current);
    return absl::OkStatus();
  }
  NVSX_ASSIGN_OR_RETURN(options.grace_period_seconds,
                        GracePeriodFor(call.resource, namespace_name, call.path.name,
                                       RequestedGracePeriod(delete_options, call.http)));
  NVSX_ASSIGN_OR_RETURN(json deleted,
                        store_.Delete(call.resource, namespace_name, call.path.name, options));
  // Marked for a grace period or held by finalizers: it is still there.
  const bool pending = deleted["metadata"].contains("deletionTimestamp") &&
                       store_.Get(call.resource, namespace_name, call.path.name).ok();
  if (!pending) NVSX_RETURN_IF_ERROR(AfterDelete(call.resource, deleted));
  if (pending || call.resource.resource == "pods") {
    call.Reply(200, deleted);
  } else {
    call.Reply(200, StatusSuccess(call.resource, deleted));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ApiServer::GracePeriodFor(const ResourceInfo& resource,
                                                  const std::string& namespace_name,
                                                  const std::string& name,
                                                  std::optional<int64_t> requested) {
  if (!IsPods(resource) || !options_.pod_grace_periods) return 0;
  NVSX_ASSIGN_OR_RETURN(json pod, store_.Get(resource, namespace_name, name));
  return PodGracePeriod(pod, requested);
}

absl::Status ApiServer::DeleteCollection(Call& call) {
  NVSX_ASSIGN_OR_RETURN(ListOptions options, ParseListOptions(call.http));
  options.limit = 0;
  NVSX_ASSIGN_OR_RETURN(ListResult result,
                        store_.List(call.resource, call.path.namespace_name, options));
  json items = json::array();
  const std::optional<int64_t> requested = RequestedGracePeriod(json(), call.http);
  for (const auto& item : result.items) {
    const json& metadata = (*item)["metadata"];
    DeleteOptions delete_options;
    if (IsPods(call.resource) && options_.pod_grace_periods) {
      delete_options.grace_period_seconds = PodGracePeriod(*item, requested);
    }
    absl::StatusOr<json> deleted = store_.Delete(call.resource, metadata.value("namespace", ""),
                                                 metadata.value("name", ""), delete_options);
    if (!deleted.ok()) continue;  // gone meanwhile
    if (delete_options.grace_period_seconds == 0) {
      NVSX_RETURN_IF_ERROR(AfterDelete(call.resource, *deleted));
    }
    items.push_back(*deleted);
  }
  call.Reply(200, {{"kind", core::StrCat(call.resource.kind, "List")},
                   {"apiVersion", call.resource.ApiVersion()},
                   {"metadata", {{"resourceVersion", store_.CurrentResourceVersion()}}},
                   {"items", std::move(items)}});
  return absl::OkStatus();
}

absl::Status ApiServer::Evict(Call& call) {
  NVSX_ASSIGN_OR_RETURN(json eviction, call.Body());
  if (!eviction.is_object()) return BadRequest("an Eviction must be a JSON object");
  const std::string body_name =
      eviction.value("metadata", json::object()).value("name", call.path.name);
  if (body_name != call.path.name) {
    return BadRequest(core::StrCat("name in URL does not match name in Eviction object"));
  }
  std::lock_guard<std::mutex> lock(eviction_mu_);
  NVSX_ASSIGN_OR_RETURN(json pod,
                        store_.Get(call.resource, call.path.namespace_name, call.path.name));
  ResourceInfo budgets_info = Builtin("policy", "poddisruptionbudgets");
  NVSX_ASSIGN_OR_RETURN(ListResult budgets,
                        store_.List(budgets_info, call.path.namespace_name, {}));
  std::vector<json> budget_objects;
  for (const auto& budget : budgets.items) budget_objects.push_back(*budget);
  std::vector<json> pods;
  if (!budget_objects.empty()) {
    NVSX_ASSIGN_OR_RETURN(ListResult all, store_.List(call.resource, call.path.namespace_name, {}));
    for (const auto& other : all.items) pods.push_back(*other);
  }
  NVSX_RETURN_IF_ERROR(CheckEviction(pod, budget_objects, pods));
  DeleteOptions options;
  if (options_.pod_grace_periods) {
    options.grace_period_seconds = PodGracePeriod(
        pod, RequestedGracePeriod(eviction.value("deleteOptions", json()), call.http));
  }
  NVSX_ASSIGN_OR_RETURN(json deleted, store_.Delete(call.resource, call.path.namespace_name,
                                                    call.path.name, options));
  call.Reply(201, {{"kind", "Status"},
                   {"apiVersion", "v1"},
                   {"metadata", json::object()},
                   {"status", "Success"},
                   {"code", 201}});
  return absl::OkStatus();
}

}  // namespace nvsx::sim
