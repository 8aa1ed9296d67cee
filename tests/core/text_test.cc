#include "core/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nvsx::core {
namespace {

TEST(TextTest, TrimWhitespaceDropsOnlyTheEnds) {
  EXPECT_EQ(TrimWhitespace("  a b\t\r\n"), "a b");
  EXPECT_EQ(TrimWhitespace("a"), "a");
  EXPECT_EQ(TrimWhitespace(" \n\t "), "");
  EXPECT_EQ(TrimWhitespace(""), "");
}

TEST(TextTest, SplitWhitespaceYieldsTheWords) {
  EXPECT_THAT(SplitWhitespace(" 1  2\t3\n"), ::testing::ElementsAre("1", "2", "3"));
  EXPECT_THAT(SplitWhitespace("one"), ::testing::ElementsAre("one"));
  EXPECT_TRUE(SplitWhitespace(" \n ").empty());
}

}  // namespace
}  // namespace nvsx::core
