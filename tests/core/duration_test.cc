#include "core/duration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nvsx::core {
namespace {

using ::testing::HasSubstr;

TEST(ParseDurationTest, AcceptsEveryUnitAndCombinations) {
  EXPECT_EQ(*ParseDuration("90s"), absl::Seconds(90));
  EXPECT_EQ(*ParseDuration("2m"), absl::Minutes(2));
  EXPECT_EQ(*ParseDuration("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseDuration("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(*ParseDuration("1m30s500ms"), absl::Milliseconds(90500));
  EXPECT_EQ(*ParseDuration("1.5s"), absl::Milliseconds(1500));
  EXPECT_EQ(*ParseDuration("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParseDuration("0s"), absl::ZeroDuration());
}

TEST(ParseDurationTest, RejectsUnknownUnitNamingIt) {
  auto parsed = ParseDuration("10x");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("\"10x\""));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("unknown unit \"x\""));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("e.g. \"90s\""));
}

TEST(ParseDurationTest, RejectsMalformedInputWithReason) {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "empty"},
      {"10", "missing unit"},
      {"-5s", "negative"},
      {"s", "expected a number"},
      {"1.s", "digits after '.'"},
      {"5 s", "unknown unit \" s\""},
      {"1h 30m", "expected a number at position 3"},
      {"99999999999999999999h", "too large"},
      {"1000000h", "too large"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseDuration(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.reason)) << c.text;
  }
}

TEST(FormatDurationTest, RoundTripsThroughParse) {
  for (absl::Duration d : {absl::Milliseconds(250), absl::Seconds(90), absl::Minutes(90),
                           absl::Hours(26) + absl::Milliseconds(7)}) {
    auto parsed = ParseDuration(DurationString(d));
    ASSERT_TRUE(parsed.ok()) << DurationString(d);
    EXPECT_EQ(*parsed, d);
  }
  EXPECT_EQ(DurationString(absl::Minutes(90)), "1h30m");
  EXPECT_EQ(DurationString(absl::ZeroDuration()), "0s");
}

}  // namespace
}  // namespace nvsx::core
