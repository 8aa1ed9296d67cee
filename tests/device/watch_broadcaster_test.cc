#include "device/watch_broadcaster.h"

#include <gtest/gtest.h>

namespace nvsx::device {
namespace {

GpuEvent Event(int64_t version) {
  v1::Gpu gpu;
  gpu.set_resource_version(version);
  return MakeGpuEvent(kModified, gpu);
}

TEST(WatchBroadcasterTest, DeliversToEverySubscriberInOrder) {
  WatchBroadcaster broadcaster(/*queue_limit=*/10, /*max_subscribers=*/10);
  int wakeups = 0;
  auto a = broadcaster.Subscribe([&] { ++wakeups; });
  auto b = broadcaster.Subscribe(nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  broadcaster.OnGpuEvent(Event(1));
  broadcaster.OnGpuEvent(Event(2));
  EXPECT_EQ(wakeups, 2);
  for (auto* subscription : {&*a, &*b}) {
    EXPECT_EQ((*subscription)->Pop().value()->object().resource_version(), 1);
    EXPECT_EQ((*subscription)->Pop().value()->object().resource_version(), 2);
    EXPECT_FALSE((*subscription)->Pop().has_value());
  }
}

TEST(WatchBroadcasterTest, SlowSubscriberIsDroppedAndTheOthersKeepReceiving) {
  WatchBroadcaster broadcaster(/*queue_limit=*/3, /*max_subscribers=*/10);
  auto slow = broadcaster.Subscribe(nullptr);
  auto fast = broadcaster.Subscribe(nullptr);
  ASSERT_TRUE(slow.ok() && fast.ok());
  for (int64_t v = 1; v <= 10; ++v) {
    broadcaster.OnGpuEvent(Event(v));
    EXPECT_EQ((*fast)->Pop().value()->object().resource_version(), v);
  }
  EXPECT_TRUE((*slow)->overflowed());
  EXPECT_TRUE((*slow)->closed());
  EXPECT_FALSE((*slow)->Pop().has_value());  // the backlog is released, not delivered
  EXPECT_FALSE((*fast)->overflowed());
  const WatchBroadcasterStats stats = broadcaster.stats();
  EXPECT_EQ(stats.subscribers, 1u);
  EXPECT_EQ(stats.dropped, 1u);
}

TEST(WatchBroadcasterTest, SubscriberLimitAndUnsubscribe) {
  WatchBroadcaster broadcaster(/*queue_limit=*/3, /*max_subscribers=*/1);
  auto first = broadcaster.Subscribe(nullptr);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(broadcaster.Subscribe(nullptr).status().code(), absl::StatusCode::kResourceExhausted);
  broadcaster.Unsubscribe(*first);
  EXPECT_TRUE((*first)->closed());
  EXPECT_TRUE(broadcaster.Subscribe(nullptr).ok());
}

}  // namespace
}  // namespace nvsx::device
