#include "kube/retry_on_conflict.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <thread>

#include "kube/api_error.h"
#include "kube/rest_client.h"
#include "sim/api_server.h"
#include "test_support/fake_clock.h"

namespace nvsx::kube {
namespace {

absl::Status Conflict() {
  return DecodeApiError(409, R"({"kind":"Status","code":409,"reason":"Conflict"})", "").ToStatus();
}

TEST(RetryOnConflictTest, RetriesConflictsWithTheBackoffBetween) {
  test::FakeClock clock;
  ConflictRetry retry;
  int calls = 0;
  absl::Status status =
      RetryOnConflict(retry, &clock, [&] { return ++calls < 3 ? Conflict() : absl::OkStatus(); });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(clock.sleeps(),
            (std::vector<absl::Duration>{absl::Milliseconds(10), absl::Milliseconds(10)}));
}

TEST(RetryOnConflictTest, OtherErrorsAreReturnedAtOnce) {
  test::FakeClock clock;
  int calls = 0;
  absl::Status status = RetryOnConflict(ConflictRetry{}, &clock, [&] {
    ++calls;
    return absl::NotFoundError("gone");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(calls, 1);
}

TEST(RetryOnConflictTest, GivesUpWithTheConflictAfterTheLastAttempt) {
  test::FakeClock clock;
  ConflictRetry retry;
  retry.attempts = 4;
  int calls = 0;
  absl::Status status = RetryOnConflict(retry, &clock, [&] {
    ++calls;
    return Conflict();
  });
  EXPECT_TRUE(apierrors::IsConflict(status)) << status;
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(clock.sleeps().size(), 3u);
}

// A deterministic race: between this writer's read and its write, another
// writer changes the object. The stale write gets 409; the retry reads the
// other writer's change and keeps it.
TEST(RetryOnConflictTest, AWriteBetweenReadAndWriteIsRetriedFromAFreshRead) {
  core::SystemClock clock;
  sim::ApiServer server(&clock, sim::ApiServerOptions{});
  ASSERT_TRUE(server.Start().ok());
  const ResourceRef map{"", "v1", "configmaps", "default", "settings", ""};
  RestConfig config;
  config.server = server.url();
  RestClientOptions options;
  options.clock = &clock;
  options.qps = 0;
  auto client = *RestClient::New(config, options);
  auto other = *RestClient::New(config, options);
  ASSERT_TRUE(client
                  ->Create(map.WithName(""), {{"apiVersion", "v1"},
                                              {"kind", "ConfigMap"},
                                              {"metadata", {{"name", "settings"}}},
                                              {"data", {{"a", "1"}}}})
                  .ok());
  int attempts = 0;
  absl::Status status = RetryOnConflict(ConflictRetry{}, &clock, [&]() -> absl::Status {
    auto current = client->Get(map);
    if (!current.ok()) return current.status();
    if (++attempts == 1) {
      auto theirs = other->Get(map);
      (*theirs)["data"]["b"] = "2";
      if (!other->Update(map, *theirs).ok()) return absl::InternalError("other writer failed");
    }
    (*current)["data"]["c"] = "3";
    return client->Update(map, *current).status();
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 2);
  auto final_state = client->Get(map);
  ASSERT_TRUE(final_state.ok());
  EXPECT_EQ((*final_state)["data"], (nlohmann::json{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  client.reset();  // closes kept-alive connections, so Stop need not wait them out
  other.reset();
  server.Stop();
}

// Two writers increment one counter on a ConfigMap by read-modify-write with
// the resourceVersion they read: every lost race is a 409 from the server,
// retried from a fresh read, so no increment is lost.
TEST(RetryOnConflictTest, TwoRacingWritersLoseNoUpdate) {
  core::SystemClock clock;
  sim::ApiServer server(&clock, sim::ApiServerOptions{});
  ASSERT_TRUE(server.Start().ok());
  const ResourceRef counter{"", "v1", "configmaps", "default", "counter", ""};
  RestConfig config;
  config.server = server.url();
  RestClientOptions options;
  options.clock = &clock;
  options.qps = 0;
  auto setup = *RestClient::New(config, options);
  ASSERT_TRUE(setup
                  ->Create(counter.WithName(""), {{"apiVersion", "v1"},
                                                  {"kind", "ConfigMap"},
                                                  {"metadata", {{"name", "counter"}}},
                                                  {"data", {{"count", "0"}}}})
                  .ok());
  constexpr int kIncrements = 40;
  std::atomic<int> conflicts{0};
  auto writer = [&] {
    auto client = *RestClient::New(config, options);
    ConflictRetry retry;
    retry.attempts = 1000;
    retry.backoff = Backoff{absl::Microseconds(100), 1.0, 1.0, absl::Milliseconds(1)};
    std::mt19937_64 rng(std::random_device{}());
    retry.random = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
    for (int i = 0; i < kIncrements; ++i) {
      absl::Status status = RetryOnConflict(retry, &clock, [&]() -> absl::Status {
        auto current = client->Get(counter);
        if (!current.ok()) return current.status();
        int count = std::stoi((*current)["data"]["count"].get<std::string>());
        (*current)["data"]["count"] = std::to_string(count + 1);
        absl::Status written = client->Update(counter, *current).status();
        if (apierrors::IsConflict(written)) ++conflicts;
        return written;
      });
      EXPECT_TRUE(status.ok()) << status;
    }
  };
  std::thread a(writer);  // each writer's client dies with it
  std::thread b(writer);
  a.join();
  b.join();
  auto final_state = setup->Get(counter);
  ASSERT_TRUE(final_state.ok());
  EXPECT_EQ((*final_state)["data"]["count"], std::to_string(2 * kIncrements));
  std::printf("%d conflicts retried\n", conflicts.load());
  setup.reset();
  server.Stop();
}

}  // namespace
}  // namespace nvsx::kube
