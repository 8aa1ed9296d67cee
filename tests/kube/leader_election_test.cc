// Leader election against the embedded API server (a real Lease over HTTP).
#include <gtest/gtest.h>

#include <thread>

#include "kube/leader_elector.h"
#include "sim/api_server.h"
#include "test_support/eventually.h"

namespace nvsx::kube {
namespace {

using ::nvsx::test::Eventually;

const ResourceRef kLease{"coordination.k8s.io", "v1", "leases", "nvsentinel", "controller", ""};

class LeaderElectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    client_ = NewClient();
    ASSERT_TRUE(client_
                    ->Create(ResourceRef{"", "v1", "namespaces", "", "", ""},
                             {{"apiVersion", "v1"},
                              {"kind", "Namespace"},
                              {"metadata", {{"name", "nvsentinel"}}}})
                    .ok());
  }
  void TearDown() override { server_.Stop(); }

  std::unique_ptr<RestClient> NewClient() {
    RestConfig config;
    config.server = server_.url();
    RestClientOptions options;
    options.clock = &clock_;
    options.qps = 0;
    return *RestClient::New(config, options);
  }

  LeaderElectionConfig Config(const std::string& identity, absl::Duration lease) {
    LeaderElectionConfig config;
    config.lease_name = "controller";
    config.identity = identity;
    config.lease_duration = lease;
    config.renew_deadline = lease * 3 / 4;
    config.retry_period = absl::Milliseconds(100);
    return config;
  }

  std::string Holder() {
    auto lease = client_->Get(kLease);
    return lease.ok() ? (*lease)["spec"].value("holderIdentity", std::string()) : "<none>";
  }

  core::SystemClock clock_;
  sim::ApiServer server_{&clock_, sim::ApiServerOptions{}};
  std::unique_ptr<RestClient> client_;
};

TEST_F(LeaderElectionTest, OneLeaderAndACleanStopHandsOverAtOnce) {
  auto client_a = NewClient();
  auto client_b = NewClient();
  // A long lease: a handover faster than it can only come from the release.
  LeaderElector a(client_a.get(), &clock_, Config("replica-a", absl::Seconds(20)),
                  core::Logger::Discard());
  LeaderElector b(client_b.get(), &clock_, Config("replica-b", absl::Seconds(20)),
                  core::Logger::Discard());
  int a_started = 0, a_stopped = 0, b_started = 0;
  std::thread run_a([&] { a.Run([&] { ++a_started; }, [&] { ++a_stopped; }); });
  ASSERT_TRUE(Eventually([&] { return a.IsLeader(); }, absl::Seconds(5)));
  std::thread run_b([&] { b.Run([&] { ++b_started; }, [] {}); });
  absl::SleepFor(absl::Milliseconds(500));  // several of b's attempts
  EXPECT_FALSE(b.IsLeader());
  EXPECT_EQ(Holder(), "replica-a");

  const absl::Time stopped_at = absl::Now();
  a.Stop();
  run_a.join();
  EXPECT_EQ(a_started, 1);
  EXPECT_EQ(a_stopped, 1);
  ASSERT_TRUE(Eventually([&] { return b.IsLeader(); }, absl::Seconds(10)));
  EXPECT_LT(absl::Now() - stopped_at, absl::Seconds(10));  // well inside the 20 s lease
  EXPECT_EQ(Holder(), "replica-b");
  EXPECT_EQ((*client_->Get(kLease))["spec"]["leaseTransitions"], 1);
  b.Stop();
  run_b.join();
  EXPECT_EQ(b_started, 1);
}

TEST_F(LeaderElectionTest, ALeaderThatDiedIsReplacedOnceItsLeaseRunsOut) {
  // A leader that crashed: it took the lease and never renewed it.
  ASSERT_TRUE(client_
                  ->Create(ResourceRef{"coordination.k8s.io", "v1", "leases", "nvsentinel", "", ""},
                           {{"apiVersion", "coordination.k8s.io/v1"},
                            {"kind", "Lease"},
                            {"metadata", {{"name", "controller"}, {"namespace", "nvsentinel"}}},
                            {"spec",
                             {{"holderIdentity", "crashed-replica"},
                              {"leaseDurationSeconds", 2},
                              {"leaseTransitions", 3}}}})
                  .ok());
  auto client_b = NewClient();
  LeaderElector b(client_b.get(), &clock_, Config("replica-b", absl::Seconds(2)),
                  core::Logger::Discard());
  std::thread run_b([&] { b.Run([] {}, [] {}); });
  absl::SleepFor(absl::Milliseconds(800));
  EXPECT_FALSE(b.IsLeader());  // the dead leader's lease still stands
  EXPECT_TRUE(Eventually([&] { return b.IsLeader(); }, absl::Seconds(10)));
  EXPECT_EQ(Holder(), "replica-b");
  EXPECT_EQ((*client_->Get(kLease))["spec"]["leaseTransitions"], 4);
  b.Stop();
  run_b.join();
  EXPECT_EQ(Holder(), "");  // released on the way out
}

}  // namespace
}  // namespace nvsx::kube
