// EventWriter against the embedded API server: one status patch per change,
// and the record of versions its writes replaced, by which a reconcile
// knows its cache has not caught up with the controller's own write.
#include "controller/event_writer.h"

#include <gtest/gtest.h>

#include "controller_fixture.h"

namespace nvsx::controller::testing {
namespace {

using kube::HealthEventPhase;

TEST_F(ControllerTest, TheWriterKnowsWhichCachedVersionsItsWritesReplaced) {
  CreateEvent({.name = "written"});
  EventWriter writer(client_.get(), &clock_, nullptr, nullptr);
  const kube::HealthEvent created = Event("written");
  EXPECT_FALSE(writer.Superseded(created)) << "nothing written yet";

  StatusChange to_new;
  to_new.phase = HealthEventPhase::kNew;
  absl::StatusOr<kube::HealthEvent> first = writer.Apply(created, to_new);
  ASSERT_TRUE(first.ok()) << first.status();
  StatusChange to_quarantined;
  to_quarantined.phase = HealthEventPhase::kQuarantined;
  absl::StatusOr<kube::HealthEvent> second = writer.Apply(*first, to_quarantined);
  ASSERT_TRUE(second.ok()) << second.status();

  // A cache showing either version the writes replaced is behind them.
  EXPECT_TRUE(writer.Superseded(created));
  EXPECT_TRUE(writer.Superseded(*first));
  // A change that is already there writes nothing and replaces nothing.
  absl::StatusOr<kube::HealthEvent> same = writer.Apply(*second, to_quarantined);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->metadata().resource_version(), second->metadata().resource_version());
  // A write that lost to another writer (409) replaced nothing either.
  StatusChange condition;
  condition.condition = kube::Condition{
      .type = "Probe", .status = kube::ConditionStatus::kTrue, .reason = "Probe", .message = "x"};
  EXPECT_FALSE(writer.Apply(created, condition).ok());

  // The cache caught up: the last version written is current, and the
  // record is gone (a cache never shows an older version again).
  EXPECT_FALSE(writer.Superseded(*second));
  EXPECT_FALSE(writer.Superseded(created));

  // Forget drops the record of a deleted event.
  absl::StatusOr<kube::HealthEvent> third = writer.Apply(*second, condition);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_TRUE(writer.Superseded(*second));
  writer.Forget("written");
  EXPECT_FALSE(writer.Superseded(*second));
}

}  // namespace
}  // namespace nvsx::controller::testing
