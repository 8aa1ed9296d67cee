#pragma once

#include <mutex>
#include <set>
#include <string>

#include "core/http_server.h"
#include "core/metrics.h"
#include "nvsx/run_store.h"
#include "nvsx/serve/dispatcher.h"
#include "nvsx/serve/serve_metrics.h"
#include "nvsx/serve/trigger_mapping.h"
#include "nvsx/serve/trigger_store.h"
#include "nvsx/serve/webhook_auth.h"

namespace nvsx::serve {

inline constexpr char kIdempotencyKeyHeader[] = "Idempotency-Key";

struct WebhookRoutesOptions {
  TriggerMapping mapping;
  std::set<std::string> runbooks;  // the slugs a trigger may name (the catalog at start)
  bool accept_webhooks = true;     // false (watch mode): no POST /webhook
};

// The HTTP surface of `nvsx serve`:
//   POST /webhook   202 {"status":"fired","runbook","node","run"}; 200 "duplicate"
//                   (or "ignored"); 400/401/404/429/503 {"error","field","fix"}
//   GET /runs/ID    the trigger's state and the run's stage timings
//   GET /metrics    Prometheus text
// (/healthz, /livez and /readyz come with core::HttpServer.) Every handler
// checks auth when it is configured.
class WebhookRoutes {
 public:
  // Every pointer must outlive this and the server it is registered on.
  WebhookRoutes(WebhookRoutesOptions options, WebhookAuth* auth, Dispatcher* dispatcher,
                TriggerStore* triggers, const op::RunStore* runs,
                const core::MetricsRegistry* registry, ServeMetrics* metrics);

  void Register(core::HttpServer& server);

  // The handlers, public for tests that call them without a socket.
  void HandleWebhook(const httplib::Request& request, httplib::Response& response);
  void HandleRun(const std::string& run_id, const httplib::Request& request,
                 httplib::Response& response);

 private:
  // False (with the 401 written) when the request's credentials do not pass.
  bool Authorized(const httplib::Request& request, std::string_view signed_text, bool once,
                  httplib::Response& response);
  void Reply(httplib::Response& response, int status, const nlohmann::json& body);

  const WebhookRoutesOptions options_;
  WebhookAuth* const auth_;
  Dispatcher* const dispatcher_;
  TriggerStore* const triggers_;
  const op::RunStore* const runs_;
  std::mutex runs_mu_;  // RunStore reads share its connection
  const core::MetricsRegistry* const registry_;
  ServeMetrics* const metrics_;
};

}  // namespace nvsx::serve
