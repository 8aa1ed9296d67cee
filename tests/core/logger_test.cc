#include "core/logger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nvsx::core {
namespace {

using ::testing::HasSubstr;

class FixedClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::FromUnixMillis(1767225600123); }
};

class CapturingSink final : public LogSink {
 public:
  void Write(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

TEST(LoggerTest, JsonLinesCarryLevelMessageAndFields) {
  FixedClock clock;
  auto sink = std::make_shared<CapturingSink>();
  Logger logger(sink, {LogLevel::kInfo, LogFormat::kJson}, &clock);
  logger.With({{"component", "quarantine"}})
      .Info("cordoned node", {{"node", "gpu-3"}, {"attempt", 2}, {"dry_run", false}});
  ASSERT_EQ(sink->lines.size(), 1u);
  ASSERT_TRUE(sink->lines[0].ends_with("\n"));
  auto line = nlohmann::json::parse(sink->lines[0]);
  EXPECT_EQ(line["ts"], "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["msg"], "cordoned node");
  EXPECT_EQ(line["component"], "quarantine");
  EXPECT_EQ(line["node"], "gpu-3");
  EXPECT_EQ(line["attempt"], 2);
  EXPECT_EQ(line["dry_run"], false);
}

TEST(LoggerTest, TextLinesQuoteValuesThatNeedIt) {
  FixedClock clock;
  auto sink = std::make_shared<CapturingSink>();
  Logger logger(sink, {LogLevel::kDebug, LogFormat::kText}, &clock);
  logger.Warn("drain blocked", {{"pod", "ns/train-0"}, {"reason", "PDB allows 0"}, {"n", 3}});
  ASSERT_EQ(sink->lines.size(), 1u);
  EXPECT_EQ(sink->lines[0],
            "2026-01-01T00:00:00.123Z WARN  drain blocked pod=ns/train-0 reason=\"PDB allows 0\" "
            "n=3\n");
}

TEST(LoggerTest, DropsLinesBelowTheLevel) {
  FixedClock clock;
  auto sink = std::make_shared<CapturingSink>();
  Logger logger(sink, {LogLevel::kWarn, LogFormat::kJson}, &clock);
  logger.Debug("d");
  logger.Info("i");
  logger.Warn("w");
  logger.Error("e");
  ASSERT_EQ(sink->lines.size(), 2u);
  EXPECT_THAT(sink->lines[0], HasSubstr("\"w\""));
  EXPECT_THAT(sink->lines[1], HasSubstr("\"e\""));
  Logger::Discard().Error("nowhere");  // must not crash
}

TEST(LoggerTest, InvalidUtf8NeverThrows) {
  FixedClock clock;
  auto sink = std::make_shared<CapturingSink>();
  Logger logger(sink, {LogLevel::kInfo, LogFormat::kJson}, &clock);
  logger.Info("bad \xff bytes", {{"v", "\xfe"}});
  Logger text(sink, {LogLevel::kInfo, LogFormat::kText}, &clock);
  text.Info("x", {{"v", "\xfe"}});
  EXPECT_EQ(sink->lines.size(), 2u);
}

TEST(ResolveLoggerOptionsTest, FlagBeatsEnvironmentAndTtyPicksFormat) {
  Environment env({{"NVSX_LOG_LEVEL", "debug"}});
  auto from_env = ResolveLoggerOptions(std::nullopt, env, /*output_is_tty=*/true);
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->level, LogLevel::kDebug);
  EXPECT_EQ(from_env->format, LogFormat::kText);
  auto from_flag = ResolveLoggerOptions("error", env, /*output_is_tty=*/false);
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->level, LogLevel::kError);
  EXPECT_EQ(from_flag->format, LogFormat::kJson);
  env.Set("NVSX_LOG_FORMAT", "text");
  EXPECT_EQ(ResolveLoggerOptions(std::nullopt, env, false)->format, LogFormat::kText);
}

TEST(ResolveLoggerOptionsTest, BadValuesNameTheirSource) {
  Environment env;
  EXPECT_THAT(std::string(ResolveLoggerOptions("loud", env, true).status().message()),
              HasSubstr("--log-level: invalid log level \"loud\""));
  env.Set("NVSX_LOG_LEVEL", "verbose");
  EXPECT_THAT(std::string(ResolveLoggerOptions(std::nullopt, env, true).status().message()),
              HasSubstr("NVSX_LOG_LEVEL"));
  env.Unset("NVSX_LOG_LEVEL");
  env.Set("NVSX_LOG_FORMAT", "xml");
  EXPECT_THAT(std::string(ResolveLoggerOptions(std::nullopt, env, true).status().message()),
              HasSubstr("use text or json"));
}

}  // namespace
}  // namespace nvsx::core
