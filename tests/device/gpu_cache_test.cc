#include "device/gpu_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support/fake_clock.h"

namespace nvsx::device {
namespace {

using ::testing::HasSubstr;

class RecordingSink final : public GpuEventSink {
 public:
  void OnGpuEvent(const GpuEvent& event) override { events.push_back(event); }
  std::vector<GpuEvent> events;
};

v1::Gpu MakeGpu(const std::string& name) {
  v1::Gpu gpu;
  gpu.mutable_metadata()->set_name(name);
  gpu.mutable_spec()->set_uuid(name);
  return gpu;
}

v1::GpuStatus Condition(const std::string& status) {
  v1::GpuStatus gpu_status;
  auto* condition = gpu_status.add_conditions();
  condition->set_type("GpuPcieWatch");
  condition->set_status(status);
  return gpu_status;
}

class GpuCacheTest : public ::testing::Test {
 protected:
  test::FakeClock clock_;
  RecordingSink sink_;
  GpuCache cache_{GpuCacheLimits{.max_gpus = 2}, &sink_, &clock_};
};

TEST_F(GpuCacheTest, EveryChangeBumpsOneMonotonicVersionAndIsPublished) {
  ASSERT_TRUE(cache_.Create(MakeGpu("a")).ok());
  ASSERT_TRUE(cache_.Create(MakeGpu("b")).ok());
  ASSERT_TRUE(cache_.UpdateStatus("a", Condition("True"), 0).ok());
  ASSERT_TRUE(cache_.Delete("b").ok());
  EXPECT_EQ(cache_.resource_version(), 4);
  ASSERT_EQ(sink_.events.size(), 4u);
  std::vector<std::string> types;
  for (const GpuEvent& event : sink_.events) types.push_back(event->type());
  EXPECT_THAT(types, ::testing::ElementsAre("ADDED", "ADDED", "MODIFIED", "DELETED"));
  EXPECT_EQ(sink_.events[3]->object().resource_version(), 4);
  EXPECT_EQ(sink_.events[3]->object().metadata().resource_version(), "4");
}

TEST_F(GpuCacheTest, CreateIsIdempotentAndBounded) {
  auto first = cache_.Create(MakeGpu("a"));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->created);
  auto again = cache_.Create(MakeGpu("a"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(cache_.resource_version(), 1);
  ASSERT_TRUE(cache_.Create(MakeGpu("b")).ok());
  auto over = cache_.Create(MakeGpu("c"));
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(cache_.Create(v1::Gpu()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(GpuCacheTest, StaleVersionIsAbortedAndChangesNothing) {
  auto created = cache_.Create(MakeGpu("a"));
  ASSERT_TRUE(created.ok());
  const int64_t version = created->gpu.resource_version();
  ASSERT_TRUE(cache_.UpdateStatus("a", Condition("False"), version).ok());
  auto stale = cache_.UpdateStatus("a", Condition("True"), version);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(stale.status().message()), HasSubstr("stale"));
  EXPECT_EQ(cache_.Get("a")->status().conditions(0).status(), "False");
  EXPECT_EQ(cache_.UpdateStatus("zz", Condition("True"), 0).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(GpuCacheTest, TransitionTimeMovesOnlyWithTheStatus) {
  ASSERT_TRUE(cache_.Create(MakeGpu("a")).ok());
  auto first = cache_.UpdateStatus("a", Condition("False"), 0);
  ASSERT_TRUE(first.ok());
  clock_.Advance(absl::Seconds(5));
  auto same = cache_.UpdateStatus("a", Condition("False"), 0);
  EXPECT_EQ(same->status().conditions(0).last_transition_time().seconds(),
            first->status().conditions(0).last_transition_time().seconds());
  auto flipped = cache_.UpdateStatus("a", Condition("True"), 0);
  EXPECT_EQ(flipped->status().conditions(0).last_transition_time().seconds(),
            first->status().conditions(0).last_transition_time().seconds() + 5);
}

TEST_F(GpuCacheTest, ListAndSubscribeRunsTheSubscriptionInsideTheSnapshot) {
  ASSERT_TRUE(cache_.Create(MakeGpu("a")).ok());
  size_t events_at_subscribe = 0;
  ASSERT_TRUE(cache_.UpdateStatus("a", Condition("True"), 0).ok());
  auto snapshot = cache_.ListAndSubscribe([&] { events_at_subscribe = sink_.events.size(); });
  EXPECT_EQ(events_at_subscribe, 2u);
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0]->type(), "ADDED");
  EXPECT_EQ(snapshot[0]->object().resource_version(), 2);  // the current state, as ADDED
  EXPECT_EQ(snapshot[0]->object().status().conditions(0).status(), "True");
  // Every watcher shares the same event object.
  EXPECT_EQ(cache_.ListAndSubscribe([] {})[0].get(), snapshot[0].get());
}

}  // namespace
}  // namespace nvsx::device
