#include "health/recommended_action.h"

#include "gtest/gtest.h"

namespace nvsx::health {
namespace {

using enum RecommendedAction;

TEST(RecommendedActionTest, ValuesMatchNvsentinelProtoNumbers) {
  EXPECT_EQ(static_cast<int>(kNone), 0);
  EXPECT_EQ(static_cast<int>(kComponentReset), 2);
  EXPECT_EQ(static_cast<int>(kContactSupport), 5);
  EXPECT_EQ(static_cast<int>(kRestartBm), 24);
  EXPECT_EQ(static_cast<int>(kRestartApp), 39);
  EXPECT_EQ(static_cast<int>(kUnknown), 99);
}

TEST(RecommendedActionTest, NamesMatchNvsentinel) {
  EXPECT_EQ(RecommendedActionName(kNone), "NONE");
  EXPECT_EQ(RecommendedActionName(kComponentReset), "COMPONENT_RESET");
  EXPECT_EQ(RecommendedActionName(kContactSupport), "CONTACT_SUPPORT");
  EXPECT_EQ(RecommendedActionName(kRestartBm), "RESTART_BM");
  EXPECT_EQ(RecommendedActionName(kRestartApp), "RESTART_APP");
  EXPECT_EQ(RecommendedActionName(kUnknown), "UNKNOWN");
  EXPECT_EQ(RecommendedActionName(static_cast<RecommendedAction>(1234)), "UNKNOWN");
}

TEST(RecommendedActionTest, RebootBeatsResetBeatsRestartApp) {
  EXPECT_EQ(MoreSevere(kComponentReset, kRestartBm), kRestartBm);
  EXPECT_EQ(MoreSevere(kRestartBm, kComponentReset), kRestartBm);
  EXPECT_EQ(MoreSevere(kRestartApp, kComponentReset), kComponentReset);
  EXPECT_EQ(MoreSevere(kNone, kRestartApp), kRestartApp);
  EXPECT_EQ(MoreSevere(kRestartBm, kContactSupport), kContactSupport);
  EXPECT_EQ(MoreSevere(kNone, kUnknown), kUnknown);
  EXPECT_EQ(MoreSevere(kUnknown, kRestartApp), kRestartApp);
  EXPECT_LT(ActionSeverity(kNone), ActionSeverity(kUnknown));
}

}  // namespace
}  // namespace nvsx::health
