// Cancelling watches and lists from another thread, against the embedded API server.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <thread>

#include "kube/api_error.h"
#include "kube/rest_client.h"
#include "sim/api_server.h"

namespace nvsx::kube {
namespace {

const ResourceRef kNamespaces{"", "v1", "namespaces", "", "", ""};

class WatchCancelTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }
  void TearDown() override { server_.Stop(); }

  std::unique_ptr<RestClient> NewClient(const std::string& url) {
    RestConfig config;
    config.server = url;
    RestClientOptions options;
    options.clock = &clock_;
    options.qps = 0;
    // Retries long enough that only a cancel can end them within a test.
    options.backoff = Backoff{absl::Minutes(10), 1.0, 0, absl::Minutes(10)};
    return *RestClient::New(config, options);
  }

  core::SystemClock clock_;
  sim::ApiServer server_{&clock_, sim::ApiServerOptions{}};
};

// The server would keep this watch open (and silent) for ten minutes; the
// test finishes only because the cancel ends it.
TEST_F(WatchCancelTest, IdleWatchEndsWithOkWhenCancelledFromAnotherThread) {
  auto client = NewClient(server_.url());
  CancelToken cancel;
  WatchOptions options;
  options.server_timeout = absl::Minutes(10);
  options.allow_bookmarks = false;
  options.cancel = &cancel;
  std::promise<void> streaming;
  std::atomic<int> events{0};
  auto done = std::async(std::launch::async, [&] {
    return client->Watch(kNamespaces, options, [&](const WatchEvent&) {
      // The four default namespaces arrive as ADDED events; then the stream
      // stays open and silent.
      if (++events == 4) streaming.set_value();
      return true;
    });
  });
  streaming.get_future().wait();
  const absl::Time cancelled_at = absl::Now();
  cancel.Cancel();
  absl::Status status = done.get();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(events.load(), 4);
  std::printf("watch ended %.1f ms after the cancel\n",
              absl::ToDoubleMilliseconds(absl::Now() - cancelled_at));
}

TEST_F(WatchCancelTest, WatchCancelledBeforeItStartsReturnsAtOnce) {
  auto client = NewClient(server_.url());
  CancelToken cancel;
  cancel.Cancel();
  WatchOptions options;
  options.server_timeout = absl::Minutes(10);
  options.cancel = &cancel;
  int events = 0;
  absl::Status status = client->Watch(kNamespaces, options, [&](const WatchEvent&) {
    ++events;
    return true;
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(events, 0);
}

TEST_F(WatchCancelTest, CancelEndsAListWaitingToRetry) {
  const std::string url = server_.url();
  server_.Stop();  // nothing listens there now: every attempt fails and is retried
  auto client = NewClient(url);
  CancelToken cancel;
  ListOptions options;
  options.cancel = &cancel;
  auto done = std::async(std::launch::async, [&] { return client->List(kNamespaces, options); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  cancel.Cancel();
  absl::StatusOr<nlohmann::json> list = done.get();
  EXPECT_EQ(list.status().code(), absl::StatusCode::kCancelled) << list.status();
}

TEST_F(WatchCancelTest, UncancelledWatchStillEndsWhenTheHandlerSaysSo) {
  auto client = NewClient(server_.url());
  CancelToken cancel;
  WatchOptions options;
  options.cancel = &cancel;
  int events = 0;
  absl::Status status =
      client->Watch(kNamespaces, options, [&](const WatchEvent&) { return ++events < 2; });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(events, 2);
}

}  // namespace
}  // namespace nvsx::kube
