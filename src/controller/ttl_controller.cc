#include "controller/ttl_controller.h"

#include "controller/controller_metrics.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "core/time_format.h"
#include "kube/api_error.h"
#include "kube/types/json_fields.h"

namespace nvsx::controller {

TtlController::TtlController(kube::RestClient* client, core::WaitableClock* clock,
                             EventWriter* writer, ControllerMetrics* metrics, TtlOptions options,
                             core::Logger logger)
    : client_(client),
      clock_(clock),
      writer_(writer),
      metrics_(metrics),
      options_(std::move(options)),
      logger_(std::move(logger)) {}

TtlPolicy TtlController::policy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return policy_;
}

absl::Status TtlController::policy_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return policy_error_;
}

bool TtlController::OnConfigMap(const nlohmann::json* config_map) {
  const std::string source =
      core::StrCat("ConfigMap ", options_.config_namespace, "/", options_.config_name);
  absl::StatusOr<TtlPolicy> parsed = TtlPolicy::Defaults();
  if (config_map != nullptr) {
    parsed = ParseTtlPolicy(kube::StringMapOf(kube::FieldAt(*config_map, {"data"})), source);
  }
  if (!parsed.ok()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      policy_error_ = parsed.status();
    }
    logger_.Error("TTL policy refused; the last good policy stays in force",
                  {{"configmap", source}, {"error", std::string(parsed.status().message())}});
    writer_->Record(kube::ObjectView(*config_map), "v1", "ConfigMap", kube::EventType::kWarning,
                    "InvalidTtlPolicy",
                    core::StrCat(parsed.status().message(), "; the last good policy stays"));
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  policy_error_ = absl::OkStatus();
  if (*parsed == policy_) return false;
  policy_ = *std::move(parsed);
  logger_.Info(config_map != nullptr ? "TTL policy loaded" : "TTL policy back to the defaults",
               {{"configmap", source}});
  return true;
}

absl::StatusOr<StepResult> TtlController::Reconcile(const kube::HealthEvent& event) {
  const std::optional<absl::Time> expiry = TtlExpiry(policy(), event);
  if (!expiry) return StepResult::Stop();
  const absl::Time now = clock_->Now();
  if (now < *expiry) return StepResult::Stop(ReconcileResult::After(*expiry - now));
  const std::string name = event.metadata().name();
  const std::string phase(kube::HealthEventPhaseName(event.phase()));
  if (options_.dry_run) {
    logger_.Debug("dry run: a HealthEvent past its TTL is kept", {{"event", name}});
    return StepResult::Stop();
  }
  kube::DeleteOptions options;
  options.precondition_uid = event.metadata().uid();
  absl::Status deleted = client_->Delete(kube::HealthEventsResource().WithName(name), options);
  if (kube::apierrors::IsNotFound(deleted)) return StepResult::Stop();
  if (!deleted.ok()) {
    return core::Annotate(deleted, core::StrCat("deleting HealthEvent ", name, " past its TTL"));
  }
  if (metrics_ != nullptr) metrics_->TtlDeletion(event.phase());
  // The event is gone, so the Kubernetes Event goes on its node.
  writer_->Record(
      kube::ObjectView(nlohmann::json{
          {"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", event.node_name()}}}}),
      "v1", "Node", kube::EventType::kNormal, "HealthEventExpired",
      core::StrCat("HealthEvent ", name, " (", phase, ") deleted: its TTL ran out"));
  logger_.Info("HealthEvent deleted past its TTL",
               {{"event", name}, {"phase", phase}, {"expired", core::FormatTimestamp(*expiry)}});
  return StepResult::Stop();
}

}  // namespace nvsx::controller
