#include "core/logger.h"

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "core/str_cat.h"
#include "core/time_format.h"

namespace nvsx::core {
namespace {

// Replaces invalid UTF-8 instead of throwing: a log line must never crash the program.
std::string SafeDump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Text values print bare when they are simple words, quoted (JSON-escaped) otherwise.
void AppendTextField(std::string& out, const LogField& field) {
  StrAppend(&out, " ", field.first, "=");
  if (!field.second.is_string()) {
    StrAppend(&out, SafeDump(field.second));
    return;
  }
  const std::string& value = field.second.get_ref<const std::string&>();
  bool plain = !value.empty();
  for (char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f) {
      plain = false;
      break;
    }
  }
  StrAppend(&out, plain ? value : SafeDump(field.second));
}

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(std::string_view text) {
  std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warn" || lower == "warning") return LogLevel::kWarn;
  if (lower == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(
      StrCat("invalid log level \"", text, "\": use debug, info, warn or error"));
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

absl::StatusOr<LoggerOptions> ResolveLoggerOptions(const std::optional<std::string>& flag_level,
                                                   const Environment& env, bool output_is_tty) {
  LoggerOptions options;
  options.format = output_is_tty ? LogFormat::kText : LogFormat::kJson;
  if (flag_level) {
    auto level = ParseLogLevel(*flag_level);
    if (!level.ok())
      return absl::InvalidArgumentError(StrCat("--log-level: ", level.status().message()));
    options.level = *level;
  } else if (auto from_env = env.Get("NVSX_LOG_LEVEL")) {
    auto level = ParseLogLevel(*from_env);
    if (!level.ok())
      return absl::InvalidArgumentError(StrCat("NVSX_LOG_LEVEL: ", level.status().message()));
    options.level = *level;
  }
  if (auto format = env.Get("NVSX_LOG_FORMAT")) {
    if (*format == "text") {
      options.format = LogFormat::kText;
    } else if (*format == "json") {
      options.format = LogFormat::kJson;
    } else {
      return absl::InvalidArgumentError(
          StrCat("NVSX_LOG_FORMAT: invalid value \"", *format, "\": use text or json"));
    }
  }
  return options;
}

void StreamLogSink::Write(std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), stream_);
  std::fflush(stream_);
}

Logger::Logger(std::shared_ptr<LogSink> sink, LoggerOptions options, const Clock* clock)
    : sink_(std::move(sink)), options_(options), clock_(clock) {}

Logger Logger::Discard() { return Logger(nullptr, LoggerOptions{}, nullptr); }

Logger Logger::With(std::initializer_list<LogField> fields) const {
  Logger child = *this;
  child.bound_fields_.insert(child.bound_fields_.end(), fields.begin(), fields.end());
  return child;
}

void Logger::Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  sink_->Write(options_.format == LogFormat::kJson ? FormatJson(level, message, fields)
                                                   : FormatText(level, message, fields));
}

std::string Logger::FormatText(LogLevel level, std::string_view message,
                               std::initializer_list<LogField> fields) const {
  std::string level_name = absl::AsciiStrToUpper(std::string(LogLevelName(level)));
  level_name.resize(5, ' ');
  std::string out = StrCat(FormatTimestampMillis(clock_->Now()), " ", level_name, " ", message);
  for (const LogField& field : bound_fields_) AppendTextField(out, field);
  for (const LogField& field : fields) AppendTextField(out, field);
  out.push_back('\n');
  return out;
}

std::string Logger::FormatJson(LogLevel level, std::string_view message,
                               std::initializer_list<LogField> fields) const {
  nlohmann::ordered_json line;
  line["ts"] = FormatTimestampMillis(clock_->Now());
  line["level"] = LogLevelName(level);
  line["msg"] = message;
  for (const LogField& field : bound_fields_) line[field.first] = field.second;
  for (const LogField& field : fields) line[field.first] = field.second;
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace nvsx::core
