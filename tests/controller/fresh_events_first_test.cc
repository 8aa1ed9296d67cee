// FreshEventsFirst: events past New step aside while events not looked at
// yet wait, and are queued again once none does.
#include "controller/fresh_events_first.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support/fake_clock.h"

namespace nvsx::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(FreshEventsFirstTest, EventsPastNewWaitUntilEveryFreshEventIsPickedUp) {
  test::FakeClock clock;
  std::vector<std::string> requeued;
  FreshEventsFirst order([&](const std::string& name) { requeued.push_back(name); }, &clock);
  EXPECT_FALSE(order.StepAside("drained")) << "no fresh event waits";

  order.Queued("fresh-1");
  order.Queued("fresh-2");
  order.Queued("fresh-2");  // queued twice, picked up once
  EXPECT_TRUE(order.StepAside("quarantined"));
  EXPECT_TRUE(order.StepAside("drained"));
  order.Started("fresh-1");
  EXPECT_THAT(requeued, IsEmpty()) << "fresh-2 still waits";
  EXPECT_TRUE(order.StepAside("quarantined"));

  order.Started("fresh-2");
  EXPECT_THAT(requeued, ElementsAre("drained", "quarantined"));
  EXPECT_FALSE(order.StepAside("quarantined"));
  order.Started("fresh-3");  // never marked: changes nothing
  EXPECT_THAT(requeued, ElementsAre("drained", "quarantined"));
}

TEST(FreshEventsFirstTest, AnEventStartedAgainAfterSteppingAsideIsQueuedOnce) {
  test::FakeClock clock;
  std::vector<std::string> requeued;
  FreshEventsFirst order([&](const std::string& name) { requeued.push_back(name); }, &clock);
  order.Queued("fresh");
  EXPECT_TRUE(order.StepAside("old"));
  EXPECT_TRUE(order.StepAside("old"));  // woken meanwhile by its informer: aside once
  order.Started("fresh");
  EXPECT_THAT(requeued, ElementsAre("old"));
  order.Started("fresh");
  EXPECT_THAT(requeued, ElementsAre("old"));
}

TEST(FreshEventsFirstTest, AFloodOfNewEventsParksAnEventNoLongerThanMaxWait) {
  test::FakeClock clock;
  std::vector<std::string> requeued;
  FreshEventsFirst order([&](const std::string& name) { requeued.push_back(name); }, &clock,
                         absl::Seconds(10));
  order.Queued("fresh-1");
  EXPECT_TRUE(order.StepAside("quarantined"));
  clock.Advance(absl::Seconds(9));
  EXPECT_TRUE(order.StepAside("quarantined")) << "waited 9 s of 10";
  clock.Advance(absl::Seconds(1));
  EXPECT_FALSE(order.StepAside("quarantined")) << "waited 10 s: worked now";
  // Worked, it waits afresh the next time.
  EXPECT_TRUE(order.StepAside("quarantined"));
}

}  // namespace
}  // namespace nvsx::controller
