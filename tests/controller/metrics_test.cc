// The controller's metrics as Prometheus reads them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/controller_metrics.h"

namespace nvsx::controller {
namespace {

using ::testing::HasSubstr;

TEST(ControllerMetricsTest, RendersPhasesTransitionsBreakerAndEvictions) {
  core::MetricsRegistry registry;
  auto metrics = ControllerMetrics::Create(&registry);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  (*metrics)->PhaseEntered(kube::HealthEventPhase::kQuarantined);
  (*metrics)->ObserveDetectToQuarantine(absl::Milliseconds(40));
  (*metrics)->ObserveQuarantineToDrained(absl::Seconds(70));
  (*metrics)->SetBreaker(true, 3, 2);
  (*metrics)->Eviction("evicted");
  (*metrics)->Eviction("blocked");
  (*metrics)->SetEventsByPhase({{kube::HealthEventPhase::kNew, 4}});
  const std::string text = registry.Render();
  EXPECT_THAT(text,
              HasSubstr("nvsentinel_health_event_transitions_total{phase=\"Quarantined\"} 1"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_detect_to_quarantine_seconds_count 1"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_quarantine_to_drained_seconds_sum 70"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_circuit_breaker_tripped 1"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_circuit_breaker_quarantined_nodes 3"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_circuit_breaker_waiting_events 2"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_pod_evictions_total{outcome=\"blocked\"} 1"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_health_events{phase=\"New\"} 4"));
}

}  // namespace
}  // namespace nvsx::controller
