// Two controller replicas on one Lease: only the leader acts, and when it
// stops mid-drain the standby takes over and finishes the event.
#include <gtest/gtest.h>

#include <thread>

#include "controller/controller_manager.h"
#include "controller/names.h"
#include "controller_fixture.h"

namespace nvsx::controller::testing {
namespace {

ControllerManagerOptions Replica(const std::string& identity) {
  ControllerManagerOptions options;
  options.election.identity = identity;
  options.election.lease_duration = absl::Seconds(2);
  options.election.renew_deadline = absl::Milliseconds(1500);
  options.election.retry_period = absl::Milliseconds(100);
  options.controller.loop.workers = 2;
  options.controller.loop.queue.failure_max = absl::Milliseconds(200);
  options.controller.cache_sync_timeout = absl::Seconds(20);
  return options;
}

TEST_F(ControllerTest, StandbyTakesOverMidDrainWhenTheLeaderStops) {
  CreatePod({.name = "inference-0", .app = "inference"});
  CreateBudget("inference", "inference", 1);
  ASSERT_TRUE(Eventually([&] { return PodRunning("inference-0"); }));

  auto client_a = NewClient();
  auto client_b = NewClient();
  ControllerManager a(client_a.get(), &clock_, nullptr, nullptr, Replica("replica-a"),
                      core::Logger::Discard());
  ControllerManager b(client_b.get(), &clock_, nullptr, nullptr, Replica("replica-b"),
                      core::Logger::Discard());
  absl::Status a_status, b_status;
  std::thread run_a([&] { a_status = a.Run(); });
  ASSERT_TRUE(Eventually([&] { return a.Leading(); }));
  std::thread run_b([&] { b_status = b.Run(); });

  CreateEvent({.name = "handover"});
  ASSERT_TRUE(Eventually([&] {
    std::vector<kube::Condition> conditions = Event("handover").conditions();
    const kube::Condition* drained = kube::FindCondition(conditions, kDrainedCondition);
    return drained != nullptr && drained->message.find("eviction refused") != std::string::npos;
  }));
  EXPECT_FALSE(b.Leading());

  a.Stop();
  run_a.join();
  EXPECT_TRUE(a_status.ok()) << a_status;
  ASSERT_TRUE(Eventually([&] { return b.Leading(); }));
  SetBudget("inference", 0);
  ASSERT_TRUE(EventuallyPhase("handover", kube::HealthEventPhase::kDrained));
  EXPECT_EQ(b.evictions(), 1u);
  b.Stop();
  run_b.join();
  EXPECT_TRUE(b_status.ok()) << b_status;
}

}  // namespace
}  // namespace nvsx::controller::testing
