#include "kube/rest_client.h"

#include "core/json_decode.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/api_error.h"

namespace nvsx::kube {
namespace {

bool Idempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE";
}

// Whether a failed attempt may be tried again (see RestClientOptions).
bool Retryable(const std::string& method, const absl::Status& error, bool maybe_sent,
               bool retry_too_many_requests) {
  if (apierrors::IsConnectionError(error)) return !maybe_sent || Idempotent(method);
  auto api = GetApiError(error);
  if (!api) return false;
  if (api->http_code == 429) return retry_too_many_requests;
  if (api->http_code == 503) return true;
  return api->http_code >= 500 && Idempotent(method);
}

QueryParams WriteQuery(const std::string& field_manager, bool dry_run) {
  QueryParams query;
  if (!field_manager.empty()) query.emplace_back("fieldManager", field_manager);
  if (dry_run) query.emplace_back("dryRun", "All");
  return query;
}

}  // namespace

std::string_view PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

nlohmann::json DeleteOptions::ToJson() const {
  nlohmann::json out = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!propagation_policy.empty()) out["propagationPolicy"] = propagation_policy;
  if (grace_period_seconds) out["gracePeriodSeconds"] = *grace_period_seconds;
  if (!precondition_uid.empty()) out["preconditions"]["uid"] = precondition_uid;
  if (!precondition_resource_version.empty()) {
    out["preconditions"]["resourceVersion"] = precondition_resource_version;
  }
  if (dry_run) out["dryRun"] = {"All"};
  return out;
}

absl::StatusOr<std::unique_ptr<RestClient>> RestClient::New(RestConfig config,
                                                            RestClientOptions options) {
  if (options.clock == nullptr) return absl::InvalidArgumentError("RestClient: no clock given");
  if (config.server.empty()) return absl::InvalidArgumentError("RestClient: no server in config");
  if (!config.server.starts_with("https://") && !config.server.starts_with("http://")) {
    return absl::InvalidArgumentError(
        core::StrCat("RestClient: server \"", config.server, "\" is not an http(s) URL"));
  }
  return std::unique_ptr<RestClient>(new RestClient(std::move(config), std::move(options)));
}

RestClient::RestClient(RestConfig config, RestClientOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      credentials_(config_, options_.env, options_.clock),
      transport_(config_.tls),
      limiter_(options_.qps, options_.burst, options_.clock),
      rng_(std::random_device{}()) {}

absl::Duration RestClient::RetryDelay(int attempt, const absl::Status& error) {
  if (auto after = apierrors::RetryAfter(error)) return *after;
  if (options_.random) return options_.backoff.Delay(attempt, options_.random);
  std::lock_guard<std::mutex> guard(random_mu_);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  return options_.backoff.Delay(attempt, [&] { return uniform(rng_); });
}

HttpRequest RestClient::NewRequest(const std::string& method, const std::string& path,
                                   const QueryParams& query) const {
  HttpRequest request;
  request.method = method;
  request.url = core::StrCat(config_.server, path, EncodeQuery(query));
  request.timeout = options_.timeout;
  request.headers = {{"Accept", "application/json"}, {"User-Agent", options_.user_agent}};
  return request;
}

absl::Status RestClient::Watch(const ResourceRef& ref, const WatchOptions& options,
                               const std::function<bool(const WatchEvent&)>& handler) {
  QueryParams query = {{"watch", "true"}};
  if (!options.resource_version.empty())
    query.emplace_back("resourceVersion", options.resource_version);
  if (!options.label_selector.empty()) query.emplace_back("labelSelector", options.label_selector);
  if (!options.field_selector.empty()) query.emplace_back("fieldSelector", options.field_selector);
  if (options.allow_bookmarks) query.emplace_back("allowWatchBookmarks", "true");
  query.emplace_back("timeoutSeconds", core::StrCat(absl::ToInt64Seconds(options.server_timeout)));
  const std::string path = ResourcePath(ref);
  WatchDecoder decoder(WatchDecoder::kDefaultMaxEventBytes, options.object_projection);
  absl::Status stream_error;
  bool stopped = false;
  std::vector<WatchEvent> events;
  auto on_bytes = [&](std::string_view bytes) {
    events.clear();
    stream_error = decoder.Feed(bytes, &events);
    for (const WatchEvent& event : events) {
      if (!handler(event)) {
        stopped = true;
        return false;
      }
    }
    return stream_error.ok();
  };
  // The server closes the stream at server_timeout; the client gives it a margin.
  const absl::Status streamed = Stream(
      path, query,
      {.timeout = options.server_timeout + absl::Seconds(30), .cancel = options.cancel}, on_bytes);
  if (options.cancel != nullptr && options.cancel->cancelled()) return absl::OkStatus();
  if (!streamed.ok()) return streamed;
  if (!stream_error.ok()) return core::Annotate(stream_error, core::StrCat("watch ", path));
  if (stopped) return absl::OkStatus();
  return decoder.Finish();
}

absl::Status RestClient::Stream(const std::string& path, const QueryParams& query,
                                const StreamOptions& options,
                                const std::function<bool(std::string_view)>& on_bytes) {
  HttpRequest request = NewRequest("GET", path, query);
  for (auto& [name, value] : request.headers) {
    if (name == "Accept") value = options.accept;
  }
  request.timeout = options.timeout;
  request.cancel = options.cancel;
  request.on_body = on_bytes;
  limiter_.Accept();
  auto credentials = credentials_.Get();
  if (!credentials.ok()) return credentials.status();
  bool maybe_sent = false;
  auto response = transport_.Do(request, *credentials, &maybe_sent);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status >= 300) {
    return DecodeApiError(response->status, response->body, response->Header("retry-after"))
        .ToStatus();
  }
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> RestClient::Do(const std::string& method, const std::string& path,
                                              const QueryParams& query,
                                              const std::optional<nlohmann::json>& body,
                                              std::string_view content_type,
                                              bool retry_too_many_requests) {
  return Send(method, path, query, body, content_type, retry_too_many_requests, nullptr);
}

absl::StatusOr<nlohmann::json> RestClient::Send(const std::string& method, const std::string& path,
                                                const QueryParams& query,
                                                const std::optional<nlohmann::json>& body,
                                                std::string_view content_type,
                                                bool retry_too_many_requests,
                                                const CancelToken* cancel,
                                                const core::JsonProjection* answer_projection) {
  HttpRequest request = NewRequest(method, path, query);
  request.cancel = cancel;
  if (body.has_value()) {
    request.body = body->dump();
    request.headers.emplace_back("Content-Type", std::string(content_type));
  }
  bool refreshed_credentials = false;
  for (int attempt = 0;; ++attempt) {
    limiter_.Accept();
    auto credentials = credentials_.Get();
    if (!credentials.ok()) return credentials.status();
    bool maybe_sent = false;
    auto response = transport_.Do(request, *credentials, &maybe_sent);
    absl::Status error;
    if (!response.ok()) {
      error = response.status();
      // TLS misconfiguration, or cancelled.
      if (!apierrors::IsConnectionError(error)) return error;
    } else if (response->status >= 200 && response->status < 300) {
      if (response->body.empty()) return nlohmann::json::object();
      absl::StatusOr<nlohmann::json> parsed =
          core::DecodeJson(response->body, {.projection = answer_projection});
      if (!parsed.ok()) {
        return absl::InternalError(core::StrCat(method, " ", path, ": the server's answer is not ",
                                                parsed.status().message()));
      }
      return parsed;
    } else {
      error = DecodeApiError(response->status, response->body, response->Header("retry-after"))
                  .ToStatus();
      // An expired exec credential: run the plugin again, once.
      if (response->status == 401 && !refreshed_credentials && credentials_.Invalidate()) {
        refreshed_credentials = true;
        --attempt;
        continue;
      }
    }
    if (attempt >= options_.max_retries ||
        !Retryable(method, error, maybe_sent, retry_too_many_requests)) {
      return error;
    }
    if (cancel == nullptr) {
      options_.clock->SleepFor(RetryDelay(attempt, error));
    } else if (!cancel->WaitUntil(options_.clock,
                                  options_.clock->Now() + RetryDelay(attempt, error))) {
      return absl::CancelledError(core::StrCat(method, " ", path, ": cancelled"));
    }
  }
}

absl::StatusOr<nlohmann::json> RestClient::Get(const ResourceRef& ref) {
  return Do("GET", ResourcePath(ref), {}, std::nullopt);
}

absl::StatusOr<nlohmann::json> RestClient::List(const ResourceRef& ref,
                                                const ListOptions& options) {
  QueryParams query;
  if (!options.label_selector.empty()) query.emplace_back("labelSelector", options.label_selector);
  if (!options.field_selector.empty()) query.emplace_back("fieldSelector", options.field_selector);
  if (options.limit > 0) query.emplace_back("limit", std::to_string(options.limit));
  if (!options.continue_token.empty()) query.emplace_back("continue", options.continue_token);
  if (!options.resource_version.empty()) {
    query.emplace_back("resourceVersion", options.resource_version);
  }
  if (options.item_projection == nullptr) {
    return Send("GET", ResourcePath(ref), query, std::nullopt, "application/json",
                /*retry_too_many_requests=*/true, options.cancel);
  }
  // The list whole but its items, each narrowed.
  using Keep = core::JsonProjection::Keep;
  core::JsonProjection list{.keep = Keep::kAllBut};
  list.fields.push_back({"items", {.keep = Keep::kAllBut, .elements = options.item_projection}});
  return Send("GET", ResourcePath(ref), query, std::nullopt, "application/json",
              /*retry_too_many_requests=*/true, options.cancel, &list);
}

absl::StatusOr<nlohmann::json> RestClient::ListAll(const ResourceRef& ref, ListOptions options) {
  nlohmann::json all;
  nlohmann::json items = nlohmann::json::array();
  while (true) {
    auto page = List(ref, options);
    if (!page.ok()) return page.status();
    if (!page->is_object()) return absl::InternalError("list: the answer is not an object");
    if (auto it = page->find("items"); it != page->end() && it->is_array()) {
      for (auto& item : *it) items.push_back(std::move(item));
    }
    std::string next;
    if (auto meta = page->find("metadata"); meta != page->end() && meta->is_object()) {
      if (auto token = meta->find("continue"); token != meta->end() && token->is_string()) {
        next = token->get<std::string>();
      }
    }
    all = std::move(*page);
    if (next.empty()) break;
    options.continue_token = next;
    options.resource_version.clear();  // not allowed together with continue
  }
  all["items"] = std::move(items);
  if (all.contains("metadata") && all["metadata"].is_object()) all["metadata"].erase("continue");
  return all;
}

absl::StatusOr<nlohmann::json> RestClient::Create(const ResourceRef& ref,
                                                  const nlohmann::json& object,
                                                  const WriteOptions& options) {
  return Do("POST", ResourcePath(ref), WriteQuery(options.field_manager, options.dry_run), object);
}

absl::StatusOr<nlohmann::json> RestClient::Update(const ResourceRef& ref,
                                                  const nlohmann::json& object,
                                                  const WriteOptions& options) {
  return Do("PUT", ResourcePath(ref), WriteQuery(options.field_manager, options.dry_run), object);
}

absl::StatusOr<nlohmann::json> RestClient::Patch(const ResourceRef& ref, PatchType type,
                                                 const nlohmann::json& patch,
                                                 const PatchOptions& options) {
  if (type == PatchType::kApply && options.field_manager.empty()) {
    return absl::InvalidArgumentError("server-side apply needs a field manager");
  }
  QueryParams query = WriteQuery(options.field_manager, options.dry_run);
  if (type == PatchType::kApply && options.force) query.emplace_back("force", "true");
  return Do("PATCH", ResourcePath(ref), query, patch, PatchContentType(type));
}

absl::Status RestClient::Delete(const ResourceRef& ref, const DeleteOptions& options) {
  return Do("DELETE", ResourcePath(ref), {}, options.ToJson()).status();
}

absl::Status RestClient::Evict(const std::string& namespace_name, const std::string& pod,
                               const DeleteOptions& options) {
  ResourceRef ref{"", "v1", "pods", namespace_name, pod, "eviction"};
  nlohmann::json eviction = {{"apiVersion", "policy/v1"},
                             {"kind", "Eviction"},
                             {"metadata", {{"name", pod}, {"namespace", namespace_name}}},
                             {"deleteOptions", options.ToJson()}};
  return Do("POST", ResourcePath(ref), {}, eviction, "application/json",
            /*retry_too_many_requests=*/false)
      .status();
}

}  // namespace nvsx::kube
