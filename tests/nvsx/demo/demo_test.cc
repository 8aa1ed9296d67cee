#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/file_io.h"
#include "nvsx/demo/demo_cluster.h"
#include "nvsx/demo/demo_faults.h"
#include "nvsx/demo/phase_breakdown.h"
#include "test_support/temp_dir.h"

namespace nvsx::op {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(DemoFaultsTest, EachFaultNamesItsStarterRunbookAndInjection) {
  auto xid = FindDemoFault("xid79");
  ASSERT_TRUE(xid.ok()) << xid.status();
  EXPECT_EQ(xid->runbook, "gpu-off-bus");
  EXPECT_THAT(InjectArgs(*xid, "gpu-node-2", 3),
              ElementsAre("--node", "gpu-node-2", "--gpu", "3", "--xid", "79"));
  auto hang = FindDemoFault("driver-hang");
  ASSERT_TRUE(hang.ok());
  EXPECT_EQ(hang->runbook, "driver-hang");
  EXPECT_THAT(InjectArgs(*hang, "n", 0),
              ElementsAre("--node", "n", "--gpu", "0", "--fault", "driver-hang"));
}

TEST(DemoFaultsTest, AnUnknownFaultListsTheKnownOnes) {
  auto fault = FindDemoFault("meltdown");
  ASSERT_FALSE(fault.ok());
  EXPECT_THAT(fault.status().message(), HasSubstr("--fault meltdown"));
  EXPECT_THAT(fault.status().message(),
              HasSubstr("use one of xid79, ecc, nvlink, driver-hang, thermal, inforom"));
}

TEST(DemoFaultsTest, FaultsTheChainDoesNotFixHealWhenTheRunbookWaitsForRecovery) {
  for (const char* name : {"thermal", "inforom"}) {
    auto fault = FindDemoFault(name);
    ASSERT_TRUE(fault.ok()) << fault.status();
    EXPECT_EQ(fault->heals_at, "recover") << name;
    EXPECT_FALSE(fault->healing.empty()) << name;
    EXPECT_THAT(InjectArgs(*fault, "n", 1),
                ElementsAre("--node", "n", "--gpu", "1", "--fault", name));
  }
  EXPECT_EQ(FindDemoFault("thermal")->runbook, "thermal-throttle");
  EXPECT_TRUE(FindDemoFault("xid79")->heals_at.empty()) << "the chain reboots it";
  EXPECT_THAT(HealArgs("gpu-node-1", 2),
              ElementsAre("--node", "gpu-node-1", "--gpu", "2", "--clear"));
}

TEST(PhaseBreakdownTest, StepsFollowThePhaseTimesFromDetection) {
  const kube::HealthEvent event(nlohmann::json::parse(R"({
    "metadata": {"name": "e", "creationTimestamp": "2026-01-01T00:00:01Z"},
    "spec": {"nodeName": "n", "generatedTimestamp": "2026-01-01T00:00:00Z"},
    "status": {"phase": "Resolved", "phaseTimes": {
      "New": "2026-01-01T00:00:00.001Z",
      "Drained": "2026-01-01T00:00:02.500Z",
      "Quarantined": "2026-01-01T00:00:00.010Z",
      "Remediated": "2026-01-01T00:00:03.500Z",
      "Resolved": "2026-01-01T00:00:03.520Z"}}})"));
  const std::vector<PhaseStep> steps = PhaseBreakdown(event);
  std::vector<std::string> phases;
  for (const PhaseStep& step : steps) phases.push_back(step.phase);
  EXPECT_THAT(phases, ElementsAre("detected", "Quarantined", "Drained", "Remediated", "Resolved"));
  EXPECT_EQ(steps[1].step, absl::Milliseconds(10));
  EXPECT_EQ(steps[2].step, absl::Milliseconds(2490));
  EXPECT_EQ(steps[4].since_fault, absl::Milliseconds(3520));
  const std::string table = FormatPhaseBreakdown(steps);
  EXPECT_THAT(table, HasSubstr("Drained"));
  EXPECT_THAT(table, HasSubstr("2s490ms"));
  EXPECT_THAT(table, HasSubstr("3s520ms"));
}

TEST(PhaseBreakdownTest, WithoutAGeneratedTimestampDetectionIsTheCreation) {
  const kube::HealthEvent event(nlohmann::json::parse(R"({
    "metadata": {"name": "e", "creationTimestamp": "2026-01-01T00:00:01Z"},
    "spec": {"nodeName": "n"},
    "status": {"phaseTimes": {"Quarantined": "2026-01-01T00:00:01.250Z"}}})"));
  const std::vector<PhaseStep> steps = PhaseBreakdown(event);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[1].since_fault, absl::Milliseconds(250));
}

TEST(DemoClusterTest, AProgramThatDiesIsNamedWithTheEndOfItsLog) {
  test::TempDir dir;
  const std::filesystem::path fake = dir.path() / "nvsentinel";
  ASSERT_TRUE(
      core::WriteFileAtomically(fake, "#!/bin/sh\necho \"cannot bind 127.0.0.1\" >&2\nexit 3\n")
          .ok());
  ::chmod(fake.c_str(), 0755);
  DemoClusterOptions options;
  options.nvsentinel = fake;
  options.work_dir = dir.path() / "demo";
  options.env = core::Environment({{"PATH", "/usr/bin:/bin"}});
  options.ready_timeout = absl::Seconds(20);
  DemoCluster cluster(options, core::Logger::Discard());
  const absl::Status started = cluster.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kFailedPrecondition) << started;
  EXPECT_THAT(started.message(), HasSubstr("nvsentinel sim exited with status 3"));
  EXPECT_THAT(started.message(), HasSubstr("cannot bind 127.0.0.1"));
}

TEST(DemoClusterTest, InterruptingTheStartEndsItAsCancelled) {
  test::TempDir dir;
  const std::filesystem::path fake = dir.path() / "nvsentinel";
  ASSERT_TRUE(core::WriteFileAtomically(fake, "#!/bin/sh\nexec sleep 30\n").ok());
  ::chmod(fake.c_str(), 0755);
  DemoClusterOptions options;
  options.nvsentinel = fake;
  options.work_dir = dir.path() / "demo";
  options.env = core::Environment({{"PATH", "/usr/bin:/bin"}});
  options.cancelled = [] { return true; };
  DemoCluster cluster(options, core::Logger::Discard());
  EXPECT_EQ(cluster.Start().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace nvsx::op
