// The broadcaster's shared log and the events' shared wire bytes.
#include <gtest/gtest.h>

#include "device/gpu_event.h"
#include "device/watch_broadcaster.h"
#include "nvidia/device/v1alpha1/gpu.grpc.pb.h"

namespace nvsx::device {
namespace {

GpuEvent Event(int64_t version) {
  v1::Gpu gpu;
  gpu.mutable_metadata()->set_name("gpu-0");
  gpu.set_resource_version(version);
  return MakeGpuEvent(kModified, gpu);
}

TEST(WatchEventTest, WireBytesAreTheSerializedResponse) {
  v1::Gpu gpu;
  gpu.mutable_metadata()->set_name("gpu-3");
  gpu.mutable_spec()->set_uuid("GPU-3");
  gpu.mutable_status()->add_conditions()->set_status("True");
  gpu.set_resource_version(42);
  const GpuEvent event = MakeGpuEvent(kAdded, gpu);
  grpc::ByteBuffer wire = event->wire();  // a reference to the same bytes
  v1::WatchGpusResponse decoded;
  ASSERT_TRUE(grpc::SerializationTraits<v1::WatchGpusResponse>::Deserialize(&wire, &decoded).ok());
  EXPECT_EQ(decoded.type(), "ADDED");
  EXPECT_EQ(decoded.object().SerializeAsString(), gpu.SerializeAsString());
  EXPECT_EQ(event->object().resource_version(), 42);
}

TEST(WatchLogTest, SubscribersShareOneEventAndSeeOnlyLaterOnes) {
  WatchBroadcaster broadcaster(/*queue_limit=*/4, /*max_subscribers=*/10);
  broadcaster.OnGpuEvent(Event(1));
  auto a = broadcaster.Subscribe(nullptr);
  auto b = broadcaster.Subscribe(nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE((*a)->pending());
  broadcaster.OnGpuEvent(Event(2));
  EXPECT_TRUE((*a)->pending());
  const GpuEvent from_a = (*a)->Pop().value();
  const GpuEvent from_b = (*b)->Pop().value();
  EXPECT_EQ(from_a->object().resource_version(), 2);
  EXPECT_EQ(from_a.get(), from_b.get());
  EXPECT_FALSE((*a)->pending());
}

TEST(WatchLogTest, ALaggingSubscriberKeepsItsEventsUntilTheLimit) {
  WatchBroadcaster broadcaster(/*queue_limit=*/3, /*max_subscribers=*/10);
  auto lagging = broadcaster.Subscribe(nullptr);
  ASSERT_TRUE(lagging.ok());
  for (int64_t v = 1; v <= 3; ++v) broadcaster.OnGpuEvent(Event(v));
  // Exactly at the limit: still subscribed, and the oldest event is intact.
  EXPECT_FALSE((*lagging)->overflowed());
  EXPECT_EQ((*lagging)->Pop().value()->object().resource_version(), 1);
  // One taken, so two more fit.
  broadcaster.OnGpuEvent(Event(4));
  EXPECT_FALSE((*lagging)->overflowed());
  for (int64_t v = 2; v <= 4; ++v) {
    EXPECT_EQ((*lagging)->Pop().value()->object().resource_version(), v);
  }
  EXPECT_EQ(broadcaster.stats().dropped, 0u);
}

TEST(WatchLogTest, TheDroppedSubscriberIsWokenToLearnIt) {
  WatchBroadcaster broadcaster(/*queue_limit=*/2, /*max_subscribers=*/10);
  int wakeups = 0;
  bool overflowed_when_woken = false;
  std::shared_ptr<Subscription> slow;
  auto subscribed = broadcaster.Subscribe([&] {
    ++wakeups;
    overflowed_when_woken = slow->overflowed();
  });
  ASSERT_TRUE(subscribed.ok());
  slow = *subscribed;
  for (int64_t v = 1; v <= 3; ++v) broadcaster.OnGpuEvent(Event(v));
  EXPECT_EQ(wakeups, 3);
  EXPECT_TRUE(overflowed_when_woken);
  EXPECT_FALSE(slow->pending());
  // No longer subscribed: later events do not wake it.
  broadcaster.OnGpuEvent(Event(4));
  EXPECT_EQ(wakeups, 3);
}

}  // namespace
}  // namespace nvsx::device
