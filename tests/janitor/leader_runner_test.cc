// The janitor under leader election: only the holder of Lease
// nvsentinel/nvsentinel-janitor carries out requests, and a standby takes
// over once the leader stops. Also the janitor's metrics.
#include "kube/leader_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "janitor/janitor_fixture.h"
#include "janitor/janitor_metrics.h"
#include "janitor/names.h"

namespace nvsx::janitor::testing {
namespace {

using ::testing::HasSubstr;

// One janitor replica: a LeaderRunner whose task is a Janitor, run on a thread.
class Replica {
 public:
  Replica(const kube::RestConfig& config, core::WaitableClock* clock, JanitorBackend* backend,
          const std::string& identity)
      : client_(*kube::RestClient::New(config, {.clock = clock, .qps = 0})) {
    kube::LeaderRunnerOptions options;
    options.election = {.lease_namespace = std::string(kLeaseNamespace),
                        .lease_name = std::string(kLeaseName),
                        .identity = identity,
                        .lease_duration = absl::Seconds(15),
                        .renew_deadline = absl::Seconds(10),
                        .retry_period = absl::Milliseconds(100)};
    runner_ = std::make_unique<kube::LeaderRunner>(
        client_.get(), clock, options,
        [this, clock, backend]() -> std::unique_ptr<kube::LeaderTask> {
          JanitorOptions janitor;
          janitor.loop.workers = 1;
          janitor.cache_sync_timeout = absl::Seconds(20);
          return std::make_unique<Janitor>(client_.get(), clock, backend, nullptr, nullptr, janitor,
                                           core::Logger::Discard());
        },
        core::Logger::Discard());
    thread_ = std::thread([this] { status_ = runner_->Run(); });
  }
  ~Replica() { Stop().IgnoreError(); }

  absl::Status Stop() {
    runner_->Stop();
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  bool Leading() const { return runner_->Leading(); }

 private:
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<kube::LeaderRunner> runner_;
  absl::Status status_;
  std::thread thread_;
};

TEST_F(JanitorTest, OnlyTheLeaseHolderCarriesOutRequestsAndAStandbyTakesOver) {
  CountingBackend first_backend(sim_backend_.get());
  CountingBackend second_backend(sim_backend_.get());
  auto first = std::make_unique<Replica>(config_, &clock_, &first_backend, "janitor-a");
  ASSERT_TRUE(Eventually([&] { return first->Leading(); }));
  Replica second(config_, &clock_, &second_backend, "janitor-b");

  CreateReset("reset-1", "gpu-node-0", {});
  ASSERT_TRUE(ResetState("reset-1", kube::JanitorState::kSucceeded));
  EXPECT_EQ(first_backend.resets, 1);
  EXPECT_EQ(second_backend.resets, 0);
  EXPECT_FALSE(second.Leading());
  const kube::ResourceRef leases{.group = "coordination.k8s.io",
                                 .version = "v1",
                                 .resource = "leases",
                                 .namespace_name = "nvsentinel"};
  EXPECT_EQ(Get(leases, "nvsentinel-janitor")["spec"]["holderIdentity"], "janitor-a");

  // A clean stop releases the Lease: the standby leads at once and carries on.
  EXPECT_TRUE(first->Stop().ok());
  ASSERT_TRUE(Eventually([&] { return second.Leading(); }));
  CreateReset("reset-2", "gpu-node-1", {});
  ASSERT_TRUE(ResetState("reset-2", kube::JanitorState::kSucceeded));
  EXPECT_EQ(first_backend.resets, 1);
  EXPECT_EQ(second_backend.resets, 1);
}

TEST_F(JanitorTest, MetricsCountRequestsByKindAndOutcome) {
  core::MetricsRegistry registry;
  auto metrics = JanitorMetrics::Create(&registry);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  CreateReset("reset-1", "gpu-node-0", {});
  CreateReboot("reboot-1", "gpu-node-9");
  StartJanitor(sim_backend_.get(), FastOptions(), metrics->get());
  ASSERT_TRUE(ResetState("reset-1", kube::JanitorState::kSucceeded));
  ASSERT_TRUE(RebootState("reboot-1", kube::JanitorState::kFailed));
  // The janitor counts a request after its status write lands, so the state
  // can be visible a moment before the metric.
  std::string text;
  ASSERT_TRUE(Eventually([&] {
    text = registry.Render();
    return text.find("outcome=\"failed\"} 1") != std::string::npos &&
           text.find("outcome=\"succeeded\"} 1") != std::string::npos;
  })) << text;
  EXPECT_THAT(
      text,
      HasSubstr("nvsentinel_janitor_requests_total{kind=\"GPUReset\",outcome=\"started\"} 1"));
  EXPECT_THAT(
      text,
      HasSubstr("nvsentinel_janitor_requests_total{kind=\"GPUReset\",outcome=\"succeeded\"} 1"));
  // Failed before it started (no such node): counted as failed, never started.
  EXPECT_THAT(
      text,
      HasSubstr("nvsentinel_janitor_requests_total{kind=\"RebootNode\",outcome=\"failed\"} 1"));
  EXPECT_THAT(text, HasSubstr("nvsentinel_janitor_request_duration_seconds_count{kind=\"GPUReset\","
                              "outcome=\"succeeded\"} 1"));
}

}  // namespace
}  // namespace nvsx::janitor::testing
