#include "nvsx/expectation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nvsx::op {
namespace {

using ::testing::HasSubstr;

TEST(ExpectationTest, PlainTextIsASubstringMatch) {
  EXPECT_TRUE(MatchExpectation("Running", "Running Running\n").met);
  EXPECT_TRUE(MatchExpectation("Running", "Running").met);
  auto miss = MatchExpectation("Running", "Pending");
  EXPECT_FALSE(miss.met);
  EXPECT_THAT(miss.explanation, HasSubstr("got \"Pending\", want it to contain \"Running\""));
}

TEST(ExpectationTest, NumericComparisonsApplyToEveryValue) {
  EXPECT_TRUE(MatchExpectation(">=1", "1").met);
  EXPECT_TRUE(MatchExpectation(">=1", " 3\n").met);
  EXPECT_FALSE(MatchExpectation(">=1", "0").met);
  EXPECT_TRUE(MatchExpectation(">0", "2 5").met);
  EXPECT_FALSE(MatchExpectation(">0", "2 0").met);
  EXPECT_TRUE(MatchExpectation("<5", "4.5").met);
  EXPECT_TRUE(MatchExpectation("<=3", "3").met);
  auto empty = MatchExpectation(">=1", "");
  EXPECT_FALSE(empty.met);
  EXPECT_THAT(empty.explanation, HasSubstr("no output"));
  auto text = MatchExpectation(">=1", "Running");
  EXPECT_FALSE(text.met);
  EXPECT_THAT(text.explanation, HasSubstr("got \"Running\", want >= 1"));
  EXPECT_THAT(MatchExpectation(">=x", "1").explanation, HasSubstr("is not a number"));
}

TEST(ExpectationTest, EqualityComparesTheWholeTrimmedOutput) {
  EXPECT_TRUE(MatchExpectation("==Running", "Running\n").met);
  EXPECT_FALSE(MatchExpectation("==Running", "Running Running").met);
  EXPECT_TRUE(MatchExpectation("!=Failed", "Running").met);
  EXPECT_FALSE(MatchExpectation("!=Failed", "Failed").met);
}

}  // namespace
}  // namespace nvsx::op
