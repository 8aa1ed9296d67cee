#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/environment.h"
#include "core/json_projection.h"
#include "kube/backoff.h"
#include "kube/cancel_token.h"
#include "kube/credential_provider.h"
#include "kube/http_transport.h"
#include "kube/resource.h"
#include "kube/rest_config.h"
#include "kube/token_bucket.h"
#include "kube/watch_decoder.h"
#include "nlohmann/json.hpp"

namespace nvsx::kube {

struct RestClientOptions {
  core::WaitableClock* clock = nullptr;  // required; must outlive the client
  double qps = 5;                        // client-go's defaults; qps <= 0: unlimited
  int burst = 10;
  // Retries after the first attempt, for 429 and 503 (any method), other 5xx
  // and connection errors (idempotent methods, or requests never sent).
  int max_retries = 5;
  Backoff backoff{absl::Milliseconds(200), 2.0, 0.2, absl::Seconds(10)};
  absl::Duration timeout = absl::Seconds(30);  // per attempt
  std::string user_agent = "nvsx/0.1";
  core::Environment env;  // what exec credential plugins start from
  UniformRandom random;   // jitter source; empty: a seeded std::mt19937_64
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;  // 0: no limit
  std::string continue_token;
  std::string resource_version;
  // When set and cancelled, the request (and its retries) end with a
  // Cancelled status.
  const CancelToken* cancel = nullptr;
  // When set, each of the list's items is narrowed by it as the answer is
  // decoded (core::Project's result; the rest of the list stays whole).
  std::shared_ptr<const core::JsonProjection> item_projection;
};

struct WriteOptions {
  std::string field_manager;
  bool dry_run = false;
};

struct WatchOptions {
  // Where to start; empty: the current state, which the server sends as ADDED events.
  std::string resource_version;
  std::string label_selector;
  std::string field_selector;
  bool allow_bookmarks = true;
  // The server ends the stream after this long (timeoutSeconds); watch again from
  // the last resourceVersion seen.
  absl::Duration server_timeout = absl::Minutes(5);
  // When set, Cancel() ends the watch promptly from any thread, even while
  // no event arrives; Watch then returns OK.
  const CancelToken* cancel = nullptr;
  // When set, the objects of ADDED, MODIFIED and DELETED events are narrowed
  // by it as they are decoded (see WatchDecoder).
  std::shared_ptr<const core::JsonProjection> object_projection;
};

// A streamed GET (a watch, a followed log).
struct StreamOptions {
  absl::Duration timeout = absl::InfiniteDuration();  // the whole request
  // When set, Cancel() ends the stream promptly from any thread; the call
  // then returns a Cancelled status.
  const CancelToken* cancel = nullptr;
  std::string accept = "application/json";  // the Accept header
};

enum class PatchType { kMerge, kJson, kStrategicMerge, kApply };

struct PatchOptions {
  std::string field_manager;  // required for kApply
  bool force = false;         // kApply: take over conflicting fields
  bool dry_run = false;
};

struct DeleteOptions {
  std::string propagation_policy;  // "Foreground", "Background", "Orphan"
  std::optional<int64_t> grace_period_seconds;
  std::string precondition_uid;
  std::string precondition_resource_version;
  bool dry_run = false;

  nlohmann::json ToJson() const;  // a meta/v1 DeleteOptions object
};

// The content type of each patch type ("application/merge-patch+json", ...).
std::string_view PatchContentType(PatchType type);

// A Kubernetes REST client: JSON in and out, every request rate limited
// (token bucket) and retried with jittered exponential backoff, honouring
// Retry-After. Failures are ApiError statuses (see api_error.h), so callers
// test them with apierrors::IsNotFound and friends. Thread-safe.
class RestClient {
 public:
  static absl::StatusOr<std::unique_ptr<RestClient>> New(RestConfig config,
                                                         RestClientOptions options);

  absl::StatusOr<nlohmann::json> Get(const ResourceRef& ref);
  // One page of a list; its metadata.continue names the next page.
  absl::StatusOr<nlohmann::json> List(const ResourceRef& ref, const ListOptions& options = {});
  // Every page, following continue tokens: one list holding all items, with
  // the metadata (resourceVersion) of the last page.
  absl::StatusOr<nlohmann::json> ListAll(const ResourceRef& ref, ListOptions options = {});
  absl::StatusOr<nlohmann::json> Create(const ResourceRef& ref, const nlohmann::json& object,
                                        const WriteOptions& options = {});
  // PUT; for the status subresource pass ref.WithSubresource("status").
  absl::StatusOr<nlohmann::json> Update(const ResourceRef& ref, const nlohmann::json& object,
                                        const WriteOptions& options = {});
  absl::StatusOr<nlohmann::json> Patch(const ResourceRef& ref, PatchType type,
                                       const nlohmann::json& patch,
                                       const PatchOptions& options = {});
  absl::Status Delete(const ResourceRef& ref, const DeleteOptions& options = {});
  // Evicts a pod through the policy/v1 Eviction subresource (PDBs apply: a
  // refused eviction is a 429 TooManyRequests, which this does not retry).
  absl::Status Evict(const std::string& namespace_name, const std::string& pod,
                     const DeleteOptions& options = {});

  // Streams a watch of `ref` (a collection: no name) to `handler`, event by
  // event as they arrive. Returns OK when the server ends the stream or the
  // handler returns false; the API error when the server refuses the watch
  // (apierrors::IsGone for a resourceVersion too old: relist); a connection
  // error when it breaks; OK at once when options.cancel fires. ERROR events
  // reach the handler (see WatchErrorStatus). One attempt: reconnecting is
  // the caller's decision.
  absl::Status Watch(const ResourceRef& ref, const WatchOptions& options,
                     const std::function<bool(const WatchEvent&)>& handler);

  // GETs `path` and hands the body of a 2xx answer to `on_bytes` chunk by
  // chunk as it arrives. Returns OK when the server ends the body or
  // `on_bytes` returns false; the decoded API error for any other answer; a
  // connection error when it breaks. Rate limited; one attempt.
  absl::Status Stream(const std::string& path, const QueryParams& query,
                      const StreamOptions& options,
                      const std::function<bool(std::string_view)>& on_bytes);

  // A request with any method, path (from ResourcePath) and body; the JSON
  // answer, or the decoded error. `content_type` applies when body is set.
  absl::StatusOr<nlohmann::json> Do(const std::string& method, const std::string& path,
                                    const QueryParams& query,
                                    const std::optional<nlohmann::json>& body,
                                    std::string_view content_type = "application/json",
                                    bool retry_too_many_requests = true);

  const RestConfig& config() const { return config_; }

 private:
  RestClient(RestConfig config, RestClientOptions options);
  absl::Duration RetryDelay(int attempt, const absl::Status& error);
  // Do(), stopping early (Cancelled) when `cancel` fires, and decoding the
  // answer narrowed by `answer_projection` when set.
  absl::StatusOr<nlohmann::json> Send(const std::string& method, const std::string& path,
                                      const QueryParams& query,
                                      const std::optional<nlohmann::json>& body,
                                      std::string_view content_type, bool retry_too_many_requests,
                                      const CancelToken* cancel,
                                      const core::JsonProjection* answer_projection = nullptr);
  HttpRequest NewRequest(const std::string& method, const std::string& path,
                         const QueryParams& query) const;

  const RestConfig config_;
  RestClientOptions options_;
  CredentialProvider credentials_;
  HttpTransport transport_;
  TokenBucket limiter_;
  std::mutex random_mu_;
  std::mt19937_64 rng_;
};

}  // namespace nvsx::kube
