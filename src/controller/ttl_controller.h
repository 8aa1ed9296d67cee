#pragma once

#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/event_writer.h"
#include "controller/step_result.h"
#include "controller/ttl_policy.h"
#include "core/clock.h"
#include "core/logger.h"
#include "kube/rest_client.h"

namespace nvsx::controller {

class ControllerMetrics;

struct TtlOptions {
  // Where the policy comes from (ttl_policy.h), for messages.
  std::string config_namespace = "nvsentinel";
  std::string config_name = "nvsentinel-ttl";
  // Decide and log, delete nothing.
  bool dry_run = false;
};

// Deletes Resolved, Failed and Cancelled HealthEvents once the TTL policy
// says (TtlExpiry), and asks the loop to come back at the expiry of those
// not due yet. The policy follows the ConfigMap: a bad update is logged,
// recorded as a Warning Event on the ConfigMap, and ignored, so the last
// good policy stays in force; a deleted ConfigMap brings back the defaults.
class TtlController {
 public:
  // All pointers must outlive the controller; `metrics` may be null.
  TtlController(kube::RestClient* client, core::WaitableClock* clock, EventWriter* writer,
                ControllerMetrics* metrics, TtlOptions options, core::Logger logger);

  // The ConfigMap as the informer delivers it, null when it was deleted.
  // Returns whether the policy in force changed (terminal events need another look).
  bool OnConfigMap(const nlohmann::json* config_map);

  // `event` is terminal.
  absl::StatusOr<StepResult> Reconcile(const kube::HealthEvent& event);

  TtlPolicy policy() const;
  // Why the last ConfigMap update was refused; OK when the policy in force is the latest.
  absl::Status policy_error() const;

 private:
  kube::RestClient* const client_;
  core::WaitableClock* const clock_;
  EventWriter* const writer_;
  ControllerMetrics* const metrics_;
  const TtlOptions options_;
  core::Logger logger_;
  mutable std::mutex mu_;
  TtlPolicy policy_ = TtlPolicy::Defaults();
  absl::Status policy_error_;
};

}  // namespace nvsx::controller
