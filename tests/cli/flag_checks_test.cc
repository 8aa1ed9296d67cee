#include "common/flag_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nvsx::cmd {
namespace {

// Parses `args` (after the program name) into an app with one flag checked by
// `validator`; returns CLI11's error message, "" when the value was taken.
template <typename T>
std::string ParseError(CLI::Validator validator, const std::string& value, T* out) {
  CLI::App app("test");
  app.add_option("--n", *out, "a number")->check(validator);
  std::vector<std::string> args = {value, "--n"};  // CLI11 reads them back to front
  try {
    app.parse(args);
  } catch (const CLI::ParseError& error) {
    return error.what();
  }
  return "";
}

TEST(FlagChecksTest, AWholeNumberInRangeIsTaken) {
  int n = 0;
  EXPECT_EQ(ParseError(WholeNumber(1, 5000), "1", &n), "");
  EXPECT_EQ(n, 1);
  EXPECT_EQ(ParseError(WholeNumber(1, 5000), "5000", &n), "");
  EXPECT_EQ(n, 5000);
  EXPECT_EQ(ParseError(WholeNumberAtLeast(0), "0", &n), "");
  EXPECT_EQ(ParseError(WholeNumberAtLeast(1), "2147483647", &n), "");
  EXPECT_EQ(n, 2147483647);
}

TEST(FlagChecksTest, OutOfRangeNamesTheFlagAndWhatToGive) {
  int n = 7;
  EXPECT_EQ(ParseError(WholeNumber(1, 5000), "0", &n),
            "--n: 0 is out of range: give a whole number from 1 to 5000");
  EXPECT_EQ(ParseError(WholeNumber(1, 5000), "5001", &n),
            "--n: 5001 is too large: the most is 5000");
  EXPECT_EQ(ParseError(WholeNumberAtLeast(1), "-3", &n),
            "--n: -3 is out of range: give a whole number of at least 1");
  EXPECT_EQ(n, 7);  // nothing taken
}

TEST(FlagChecksTest, WhatAnIntFlagCannotHoldIsTooLargeNotGarbage) {
  int n = 7;
  EXPECT_EQ(ParseError(WholeNumberAtLeast(1), "2147483648", &n),
            "--n: 2147483648 is too large: the most is 2147483647");
  EXPECT_EQ(ParseError(WholeNumberAtLeast(1), "99999999999999999999999", &n),
            "--n: 99999999999999999999999 is too large: the most is 2147483647");
  EXPECT_EQ(ParseError(WholeNumberAtLeast(1), "-99999999999999999999999", &n),
            "--n: -99999999999999999999999 is out of range: give a whole number of at least 1");
  EXPECT_EQ(n, 7);
}

TEST(FlagChecksTest, WhatIsNotAWholeNumberIsSaidToBeNone) {
  int n = 7;
  for (const char* text : {"abc", "", "1.5", "1e3", " 4", "4 ", "0x10", "+-1"}) {
    EXPECT_EQ(
        ParseError(WholeNumber(0, 10), text, &n),
        std::string("--n: \"") + text + "\" is not a number: give a whole number from 0 to 10")
        << text;
  }
  EXPECT_EQ(n, 7);
}

TEST(FlagChecksTest, AFractionalFlagTakesFractionsButNotInfinityOrNan) {
  double qps = 20;
  EXPECT_EQ(ParseError(NumberAtLeast(0), "0.5", &qps), "");
  EXPECT_EQ(qps, 0.5);
  EXPECT_EQ(ParseError(NumberAtLeast(0), "0", &qps), "");
  EXPECT_EQ(qps, 0);
  EXPECT_EQ(ParseError(NumberAtLeast(0), "-0.1", &qps),
            "--n: -0.1 is out of range: give a number of at least 0");
  for (const char* text : {"inf", "nan", "fast", "1.5x"}) {
    EXPECT_EQ(ParseError(NumberAtLeast(0), text, &qps),
              std::string("--n: \"") + text + "\" is not a number: give a number of at least 0")
        << text;
  }
}

TEST(FlagChecksTest, OneOfTakesAChoiceAndListsThemOtherwise) {
  std::string backend = "sim";
  EXPECT_EQ(ParseError(OneOf({"sim", "command", "none"}), "command", &backend), "");
  EXPECT_EQ(backend, "command");
  EXPECT_EQ(ParseError(OneOf({"sim", "command", "none"}), "Command", &backend),
            "--n: \"Command\" is not one of: sim, command, none");
  EXPECT_EQ(ParseError(OneOf({"sim", "command", "none"}), "", &backend),
            "--n: \"\" is not one of: sim, command, none");
  EXPECT_EQ(backend, "command");
}

TEST(FlagChecksTest, HelpShowsTheRange) {
  int n = 4;
  CLI::App app("test");
  app.add_option("--nodes", n, "nodes")->check(WholeNumber(1, 5000));
  app.add_option("--burst", n, "burst")->check(WholeNumberAtLeast(1));
  std::string mode;
  app.add_option("--mode", mode, "mode")->check(OneOf({"webhook", "watch"}));
  const std::string help = app.help();
  EXPECT_THAT(help, ::testing::HasSubstr("INT in [1 - 5000]"));
  EXPECT_THAT(help, ::testing::HasSubstr("INT >= 1"));
  EXPECT_THAT(help, ::testing::HasSubstr("{webhook,watch}"));
}

}  // namespace
}  // namespace nvsx::cmd
