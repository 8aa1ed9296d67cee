// The controller's metrics as Prometheus reads them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/controller_metrics.h"
#include "core/environment.h"
#include "core/subprocess.h"

namespace nvsx::controller {
namespace {

using ::testing::HasSubstr;

std::string RenderEveryFamily(core::MetricsRegistry& registry) {
  auto metrics = ControllerMetrics::Create(&registry);
  EXPECT_TRUE(metrics.ok()) << metrics.status();
  if (!metrics.ok()) return "";
  (*metrics)->PhaseEntered(kube::HealthEventPhase::kQuarantined);
  (*metrics)->ObserveDetectToQuarantine(absl::Milliseconds(40));
  (*metrics)->ObserveQuarantineToDrained(absl::Seconds(70));
  (*metrics)->ObserveDrainedToRemediated(absl::Seconds(300));
  (*metrics)->ObserveDetectToResolved(absl::Seconds(900));
  (*metrics)->SetBreaker(true, 3, 2);
  (*metrics)->Eviction("evicted");
  (*metrics)->Eviction("blocked");
  (*metrics)->RemediationCreated("RebootNode");
  (*metrics)->Escalation();
  (*metrics)->TtlDeletion(kube::HealthEventPhase::kResolved);
  (*metrics)->SetEventsByPhase({{kube::HealthEventPhase::kNew, 4}});
  return registry.Render();
}

TEST(ControllerMetricsTest, RendersPhasesTransitionsBreakerEvictionsAndRemediation) {
  core::MetricsRegistry registry;
  const std::string text = RenderEveryFamily(registry);
  EXPECT_THAT(text,
              HasSubstr("nvsentinel_health_event_transitions_total{phase=\"Quarantined\"} 1"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_detect_to_quarantine_seconds_count 1"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_quarantine_to_drained_seconds_sum 70"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_drained_to_remediated_seconds_sum 300"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_detect_to_resolved_seconds_sum 900"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_circuit_breaker_tripped 1"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_circuit_breaker_quarantined_nodes 3"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_circuit_breaker_waiting_events 2"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_pod_evictions_total{outcome=\"blocked\"} 1"));
  EXPECT_THAT(text,
              HasSubstr("nvsentinel_remediation_objects_created_total{kind=\"RebootNode\"} 1"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_remediation_escalations_total 1"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_ttl_deletions_total{phase=\"Resolved\"} 1"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_health_events{phase=\"New\"} 4"));
}

TEST(ControllerMetricsTest, PromtoolAcceptsTheExposition) {
  core::MetricsRegistry registry;
  core::SubprocessOptions options;
  options.argv = {NVSX_PROMTOOL, "check", "metrics"};
  options.env = core::Environment({{"PATH", "/usr/bin:/bin"}});
  options.stdin_data = RenderEveryFamily(registry);
  options.timeout = absl::Seconds(60);
  auto result = core::RunSubprocess(options);
  ASSERT_TRUE(result.ok()) << result.status()
                           << " (promtool comes with Debian's prometheus package)";
  EXPECT_TRUE(result->Succeeded()) << result->Describe() << "\n"
                                   << result->stdout_text << result->stderr_text;
}

}  // namespace
}  // namespace nvsx::controller
