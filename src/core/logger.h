#pragma once

#include <cstdio>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/environment.h"
#include "nlohmann/json.hpp"

namespace nvsx::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kText, kJson };

// "debug", "info", "warn" (or "warning"), "error"; anything else is an error naming the choices.
absl::StatusOr<LogLevel> ParseLogLevel(std::string_view text);
std::string_view LogLevelName(LogLevel level);

// One structured field of a log line: a key and any JSON-representable value.
using LogField = std::pair<std::string, nlohmann::json>;

struct LoggerOptions {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
};

// Resolves logging options the way every program does: the --log-level flag
// when given, else NVSX_LOG_LEVEL, else info; NVSX_LOG_FORMAT=text|json, else
// text when the output is a terminal and JSON lines when it is not.
absl::StatusOr<LoggerOptions> ResolveLoggerOptions(const std::optional<std::string>& flag_level,
                                                   const Environment& env, bool output_is_tty);

// A destination shared by a logger and its children: one lock, one stream.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Writes lines to a stdio stream (usually stderr), serialised by a mutex.
class StreamLogSink final : public LogSink {
 public:
  explicit StreamLogSink(std::FILE* stream) : stream_(stream) {}
  void Write(std::string_view line) override;

 private:
  std::mutex mu_;
  std::FILE* stream_;
};

// A structured logger. Text lines read "2026-01-02T03:04:05.678Z INFO  message key=value";
// JSON lines carry "ts", "level", "msg" and every field. Cheap to copy; With()
// returns a child that adds fields to every line (e.g. component=quarantine).
class Logger {
 public:
  Logger(std::shared_ptr<LogSink> sink, LoggerOptions options, const Clock* clock);

  // A logger that drops everything, for code paths that were given none.
  static Logger Discard();

  Logger With(std::initializer_list<LogField> fields) const;

  bool Enabled(LogLevel level) const { return sink_ && level >= options_.level; }
  void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
  void Debug(std::string_view message, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kDebug, message, fields);
  }
  void Info(std::string_view message, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kInfo, message, fields);
  }
  void Warn(std::string_view message, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kWarn, message, fields);
  }
  void Error(std::string_view message, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kError, message, fields);
  }

 private:
  std::string FormatText(LogLevel level, std::string_view message,
                         std::initializer_list<LogField> fields) const;
  std::string FormatJson(LogLevel level, std::string_view message,
                         std::initializer_list<LogField> fields) const;

  std::shared_ptr<LogSink> sink_;
  LoggerOptions options_;
  const Clock* clock_;
  std::vector<LogField> bound_fields_;
};

}  // namespace nvsx::core
