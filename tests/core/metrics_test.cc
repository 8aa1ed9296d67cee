#include "core/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "test_support/temp_dir.h"

namespace nvsx::core {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RendersCountersGaugesAndHistogramsInTextFormat) {
  MetricsRegistry registry;
  auto events = registry.AddCounter("health_events_total", "Health events seen.", {"phase"});
  ASSERT_TRUE(events.ok());
  (*(*events)->WithLabels({"New"}))->Increment();
  (*(*events)->WithLabels({"New"}))->Increment(2);
  auto watchers = registry.AddGauge("device_api_watchers", "Open watch streams.");
  ASSERT_TRUE(watchers.ok());
  (*(*watchers)->WithLabels({}))->Set(4);
  auto latency =
      registry.AddHistogram("phase_seconds", "Seconds per phase.", {"phase"}, {0.1, 1, 10});
  ASSERT_TRUE(latency.ok());
  Histogram* quarantine = *(*latency)->WithLabels({"quarantine"});
  for (double v : {0.05, 0.1, 0.5, 20.0}) quarantine->Observe(v);

  EXPECT_EQ(registry.Render(),
            "# HELP health_events_total Health events seen.\n"
            "# TYPE health_events_total counter\n"
            "health_events_total{phase=\"New\"} 3\n"
            "# HELP device_api_watchers Open watch streams.\n"
            "# TYPE device_api_watchers gauge\n"
            "device_api_watchers 4\n"
            "# HELP phase_seconds Seconds per phase.\n"
            "# TYPE phase_seconds histogram\n"
            "phase_seconds_bucket{phase=\"quarantine\",le=\"0.1\"} 2\n"
            "phase_seconds_bucket{phase=\"quarantine\",le=\"1\"} 3\n"
            "phase_seconds_bucket{phase=\"quarantine\",le=\"10\"} 3\n"
            "phase_seconds_bucket{phase=\"quarantine\",le=\"+Inf\"} 4\n"
            "phase_seconds_sum{phase=\"quarantine\"} 20.65\n"
            "phase_seconds_count{phase=\"quarantine\"} 4\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  auto family = registry.AddCounter("odd_total", "Line one\nback\\slash", {"path"});
  ASSERT_TRUE(family.ok());
  (*(*family)->WithLabels({"a\"b\\c\nd"}))->Increment();
  EXPECT_THAT(registry.Render(), HasSubstr("# HELP odd_total Line one\\nback\\\\slash\n"));
  EXPECT_THAT(registry.Render(), HasSubstr("odd_total{path=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

TEST(MetricsTest, RejectsBadRegistrations) {
  MetricsRegistry registry;
  EXPECT_THAT(std::string(registry.AddCounter("bad-name_total", "h").status().message()),
              HasSubstr("invalid metric name"));
  EXPECT_THAT(std::string(registry.AddCounter("events", "h").status().message()),
              HasSubstr("_total"));
  EXPECT_THAT(std::string(registry.AddGauge("g", "").status().message()), HasSubstr("help"));
  EXPECT_THAT(std::string(registry.AddGauge("g", "h", {"__x"}).status().message()),
              HasSubstr("invalid label name"));
  EXPECT_THAT(std::string(registry.AddGauge("g", "h", {"a", "a"}).status().message()),
              HasSubstr("twice"));
  EXPECT_THAT(std::string(registry.AddHistogram("h", "h", {}, {1, 1}).status().message()),
              HasSubstr("ascending"));
  EXPECT_THAT(std::string(registry.AddHistogram("h", "h", {"le"}, {1}).status().message()),
              HasSubstr("reserved"));
  ASSERT_TRUE(registry.AddGauge("g", "h").ok());
  EXPECT_EQ(registry.AddGauge("g", "h").status().code(), absl::StatusCode::kAlreadyExists);
}

TEST(MetricsTest, WrongLabelCountIsAnError) {
  MetricsRegistry registry;
  auto family = registry.AddCounter("x_total", "h", {"a", "b"});
  ASSERT_TRUE(family.ok());
  EXPECT_THAT(std::string((*family)->WithLabels({"only-one"}).status().message()),
              HasSubstr("has 2 labels, got 1"));
}

TEST(MetricsTest, CountersNeverGoDownAndAreThreadSafe) {
  MetricsRegistry registry;
  Counter* counter = *(*registry.AddCounter("c_total", "h"))->WithLabels({});
  counter->Increment(-5);
  EXPECT_EQ(counter->value(), 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([counter] {
      for (int i = 0; i < 10000; ++i) counter->Increment();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter->value(), 40000);
}

TEST(MetricsTest, FormatsSpecialValues) {
  EXPECT_EQ(FormatMetricValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatMetricValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatMetricValue(0.0 / 0.0), "NaN");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(12), "12");
}

// The independent check: Prometheus's own linter accepts what we render.
TEST(MetricsTest, PromtoolAcceptsTheExposition) {
  MetricsRegistry registry;
  (*(*registry.AddCounter("nvsx_runs_total", "Runbook runs.", {"runbook", "result"}))
        ->WithLabels({"gpu-off-bus", "pass"}))
      ->Increment();
  (*(*registry.AddGauge("nvsx_active_runs", "Runs in flight."))->WithLabels({}))->Set(1);
  Histogram* h = *(*registry.AddHistogram("nvsx_stage_duration_seconds", "Stage durations.",
                                          {"stage"}, DefaultLatencyBuckets()))
                      ->WithLabels({"detect"});
  h->Observe(0.003);
  h->Observe(2.5);

  SubprocessOptions options;
  options.argv = {NVSX_PROMTOOL, "check", "metrics"};
  options.env = Environment({{"PATH", "/usr/bin:/bin"}});
  options.stdin_data = registry.Render();
  options.timeout = absl::Seconds(60);
  auto result = RunSubprocess(options);
  ASSERT_TRUE(result.ok()) << result.status()
                           << " (promtool comes with Debian's prometheus package)";
  EXPECT_TRUE(result->Succeeded()) << result->Describe() << "\n"
                                   << result->stdout_text << result->stderr_text;
}

}  // namespace
}  // namespace nvsx::core
