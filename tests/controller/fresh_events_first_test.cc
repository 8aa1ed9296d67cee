// FreshEventsFirst: events past New step aside while events not looked at
// yet wait, and are queued again once none does.
#include "controller/fresh_events_first.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nvsx::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(FreshEventsFirstTest, EventsPastNewWaitUntilEveryFreshEventIsPickedUp) {
  std::vector<std::string> requeued;
  FreshEventsFirst order([&](const std::string& name) { requeued.push_back(name); });
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
  std::vector<std::string> requeued;
  FreshEventsFirst order([&](const std::string& name) { requeued.push_back(name); });
  order.Queued("fresh");
  EXPECT_TRUE(order.StepAside("old"));
  EXPECT_TRUE(order.StepAside("old"));  // woken meanwhile by its informer: aside once
  order.Started("fresh");
  EXPECT_THAT(requeued, ElementsAre("old"));
  order.Started("fresh");
  EXPECT_THAT(requeued, ElementsAre("old"));
}

}  // namespace
}  // namespace nvsx::controller
