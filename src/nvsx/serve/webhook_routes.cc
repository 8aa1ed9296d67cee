#include "nvsx/serve/webhook_routes.h"

#include "absl/strings/str_join.h"
#include "core/str_cat.h"
#include "core/time_format.h"
#include "nvsx/serve/trigger_names.h"
#include "nvsx/serve/trigger_parser.h"

namespace nvsx::serve {
namespace {

using nlohmann::json;

constexpr size_t kMaxIdempotencyKey = 200;

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

json TimeOrNull(const std::optional<absl::Time>& time) {
  if (!time || *time == absl::UnixEpoch()) return nullptr;
  return core::FormatTimestampMillis(*time);
}

json SubmissionJson(const Trigger& trigger, const Submission& submission) {
  return {{"status", submission.created ? "fired" : "duplicate"},
          {"runbook", trigger.runbook},
          {"node", trigger.node},
          {"run", submission.run_id}};
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    default:
      return 500;
  }
}

}  // namespace

WebhookRoutes::WebhookRoutes(WebhookRoutesOptions options, WebhookAuth* auth,
                             Dispatcher* dispatcher, TriggerStore* triggers,
                             const op::RunStore* runs, const core::MetricsRegistry* registry,
                             ServeMetrics* metrics)
    : options_(std::move(options)),
      auth_(auth),
      dispatcher_(dispatcher),
      triggers_(triggers),
      runs_(runs),
      registry_(registry),
      metrics_(metrics) {}

void WebhookRoutes::Register(core::HttpServer& server) {
  httplib::Server& routes = server.routes();
  if (options_.accept_webhooks) {
    routes.Post("/webhook", [this](const httplib::Request& request, httplib::Response& response) {
      HandleWebhook(request, response);
    });
  }
  routes.Get(R"(/runs/([^/]+))",
             [this](const httplib::Request& request, httplib::Response& response) {
               HandleRun(request.matches[1].str(), request, response);
             });
  routes.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry_->Render(), core::MetricsRegistry::kContentType);
  });
}

void WebhookRoutes::Reply(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump() + "\n", "application/json");
  if (metrics_ != nullptr) metrics_->CountRequest(status);
}

bool WebhookRoutes::Authorized(const httplib::Request& request, std::string_view signed_text,
                               bool once, httplib::Response& response) {
  if (!auth_->enabled()) return true;
  const std::string authorization = request.get_header_value("Authorization");
  const std::string timestamp = request.get_header_value(kTimestampHeader);
  const std::string signature = request.get_header_value(kSignatureHeader);
  const absl::Status status =
      auth_->Check(Credentials{authorization, timestamp, signature, signed_text}, once);
  if (status.ok()) return true;
  const bool exhausted = status.code() == absl::StatusCode::kResourceExhausted;
  if (!exhausted) response.set_header("WWW-Authenticate", "Bearer");
  Reply(response, exhausted ? 429 : 401,
        {{"error", std::string(status.message())},
         {"field", "Authorization, X-Nvsx-Timestamp, X-Nvsx-Signature"},
         {"fix",
          "send Authorization: Bearer TOKEN (--token-file) and/or X-Nvsx-Timestamp: UNIX_SECONDS "
          "with X-Nvsx-Signature: sha256=HEX of HMAC-SHA256(secret, timestamp + \".\" + body) "
          "(--hmac-secret-file)"}});
  return false;
}

void WebhookRoutes::HandleWebhook(const httplib::Request& request, httplib::Response& response) {
  if (!Authorized(request, request.body, /*once=*/true, response)) return;
  const std::string key = request.get_header_value(kIdempotencyKeyHeader);
  if (key.size() > kMaxIdempotencyKey || !IsPrintableAscii(key)) {
    Reply(response, 400,
          RequestError{400, kIdempotencyKeyHeader, "not a valid idempotency key",
                       core::StrCat("at most ", kMaxIdempotencyKey,
                                    " printable ASCII characters without spaces")}
              .ToJson());
    return;
  }
  std::variant<ParsedTriggers, RequestError> parsed = ParseTriggers(request.body, options_.mapping);
  if (auto* error = std::get_if<RequestError>(&parsed)) {
    Reply(response, error->http_status, error->ToJson());
    return;
  }
  const ParsedTriggers& triggers = std::get<ParsedTriggers>(parsed);
  if (triggers.triggers.empty()) {
    Reply(response, 200, {{"status", "ignored"}, {"reason", triggers.ignored}});
    return;
  }
  for (const Trigger& trigger : triggers.triggers) {
    if (options_.runbooks.count(trigger.runbook) == 0) {
      Reply(response, 404,
            RequestError{404, "runbook", core::StrCat("no runbook \"", trigger.runbook, "\""),
                         core::StrCat("name one of: ", absl::StrJoin(options_.runbooks, ", "))}
                .ToJson());
      return;
    }
  }
  json runs = json::array();
  bool created = false;
  for (size_t i = 0; i < triggers.triggers.size(); ++i) {
    const Trigger& trigger = triggers.triggers[i];
    // One request may carry several alerts; each gets its own key.
    const std::string trigger_key = key.empty() || i == 0 ? key : core::StrCat(key, "#", i);
    absl::StatusOr<Submission> submitted = dispatcher_->Submit(trigger, trigger_key);
    if (!submitted.ok()) {
      Reply(response, HttpStatusOf(submitted.status()),
            {{"error", std::string(submitted.status().message())},
             {"field", "(server)"},
             {"fix", "retry later"},
             {"runs", runs}});
      return;
    }
    created |= submitted->created;
    runs.push_back(SubmissionJson(trigger, *submitted));
  }
  if (runs.size() == 1) {
    Reply(response, created ? 202 : 200, runs[0]);
    return;
  }
  Reply(response, created ? 202 : 200,
        {{"status", created ? "fired" : "duplicate"}, {"runs", runs}});
}

void WebhookRoutes::HandleRun(const std::string& run_id, const httplib::Request& request,
                              httplib::Response& response) {
  if (!Authorized(request, request.path, /*once=*/false, response)) return;
  absl::StatusOr<std::optional<TriggerRecord>> trigger = triggers_->Get(run_id);
  absl::StatusOr<std::optional<op::RunRecord>> run;
  {
    std::lock_guard lock(runs_mu_);
    run = runs_->GetRun(run_id);
  }
  if (!trigger.ok() || !run.ok()) {
    Reply(response, 500,
          {{"error", (trigger.ok() ? run.status() : trigger.status()).ToString()},
           {"field", "(server)"},
           {"fix", "check the state folder (NVSX_STATE_DIR)"}});
    return;
  }
  if (!trigger->has_value() && !run->has_value()) {
    Reply(response, 404,
          {{"error", core::StrCat("no run ", QuoteForMessage(run_id))},
           {"field", "run"},
           {"fix", "use the run id a POST /webhook answered"}});
    return;
  }
  json body = {{"run", run_id}};
  if (trigger->has_value()) {
    const TriggerRecord& record = **trigger;
    body["runbook"] = record.trigger.runbook;
    body["node"] = record.trigger.node;
    body["source"] = record.trigger.source;
    body["state"] = record.state;
    body["result"] = record.result;
    body["accepted"] = TimeOrNull(record.accepted);
    body["started"] = TimeOrNull(record.started);
    body["ended"] = TimeOrNull(record.ended);
  }
  json stages = json::array();
  if (run->has_value()) {
    const op::RunRecord& record = **run;
    body["runbook"] = record.runbook;
    body["node"] = record.node;
    body["trigger"] = record.trigger;
    if (!trigger->has_value()) {
      body["state"] = record.result.empty() ? kRunning : kFinished;
      body["result"] = record.result;
    }
    for (const op::StageRecord& stage : record.stages) {
      const bool ended = !stage.result.empty();
      stages.push_back(
          {{"stage", stage.stage},
           {"result", stage.result},
           {"started", TimeOrNull(stage.started)},
           {"ended", ended ? TimeOrNull(stage.ended) : json(nullptr)},
           {"elapsed_ms",
            ended ? json(absl::ToInt64Milliseconds(stage.ended - stage.started)) : json(nullptr)},
           {"reason", stage.reason}});
    }
  }
  body["stages"] = stages;
  Reply(response, 200, body);
}

}  // namespace nvsx::serve
