#include "sim/pod_log_request.h"

#include <memory>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "core/json_member.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "sim/api_error.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

constexpr char kText[] = "text/plain";
// The same media type (they match case-insensitively, RFC 2045) for a
// followed log: httplib gzips "text/..." responses for clients that accept it
// (Go's and Python's do), and its compressor would hold every line back until
// the stream ends. This spelling it leaves alone, as the real server's stream is.
constexpr char kStreamedText[] = "Text/plain";
// How long one read of a followed log waits before the server looks at the
// client and its own stopping flag again.
constexpr absl::Duration kFollowPoll = absl::Milliseconds(200);

struct LogParams {
  std::string container;
  bool follow = false;
  bool previous = false;
  bool timestamps = false;
  std::optional<int64_t> tail_lines;
  std::optional<int64_t> since_seconds;
  std::optional<absl::Time> since_time;
  std::optional<int64_t> limit_bytes;
};

std::vector<std::string> ContainerNames(const json& pod, const char* list) {
  std::vector<std::string> names;
  const json& containers = core::JsonAt(pod, {"spec", list});
  if (!containers.is_array()) return names;
  for (const json& container : containers) {
    const json& name = core::JsonMember(container, "name");
    if (name.is_string()) names.push_back(name.get<std::string>());
  }
  return names;
}

// Go's fmt of a []string: "[a b]".
std::string GoList(const std::vector<std::string>& names) {
  return core::StrCat("[", absl::StrJoin(names, " "), "]");
}

// Go's strconv.ParseBool, as the server decodes query flags; absent is false.
absl::StatusOr<bool> BoolParam(const httplib::Request& request, const char* name) {
  if (!request.has_param(name)) return false;
  const std::string value = request.get_param_value(name);
  for (const char* yes : {"1", "t", "T", "true", "TRUE", "True"}) {
    if (value == yes) return true;
  }
  for (const char* no : {"0", "f", "F", "false", "FALSE", "False"}) {
    if (value == no) return false;
  }
  return BadRequest(core::StrCat("strconv.ParseBool: parsing \"", value, "\": invalid syntax"));
}

absl::StatusOr<std::optional<int64_t>> IntegerParam(const httplib::Request& request,
                                                    const char* name) {
  if (!request.has_param(name)) return std::nullopt;
  const std::string value = request.get_param_value(name);
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed)) {
    return BadRequest(core::StrCat("strconv.ParseInt: parsing \"", value, "\": invalid syntax"));
  }
  return parsed;
}

absl::StatusOr<LogParams> ParseParams(const httplib::Request& request, const std::string& pod) {
  LogParams params;
  params.container = request.get_param_value("container");
  NVSX_ASSIGN_OR_RETURN(params.follow, BoolParam(request, "follow"));
  NVSX_ASSIGN_OR_RETURN(params.previous, BoolParam(request, "previous"));
  NVSX_ASSIGN_OR_RETURN(params.timestamps, BoolParam(request, "timestamps"));
  NVSX_ASSIGN_OR_RETURN(params.tail_lines, IntegerParam(request, "tailLines"));
  NVSX_ASSIGN_OR_RETURN(params.since_seconds, IntegerParam(request, "sinceSeconds"));
  NVSX_ASSIGN_OR_RETURN(params.limit_bytes, IntegerParam(request, "limitBytes"));
  if (request.has_param("sinceTime")) {
    const std::string text = request.get_param_value("sinceTime");
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
      return BadRequest(core::StrCat("parsing time \"", text, "\": ", error));
    }
    params.since_time = time;
  }
  std::vector<FieldCause> causes;
  auto invalid = [&](const char* field, int64_t value, const char* want) {
    causes.push_back(
        {"FieldValueInvalid", field, core::StrCat("Invalid value: ", value, ": ", want)});
  };
  if (params.tail_lines && *params.tail_lines < 0) {
    invalid("tailLines", *params.tail_lines, "must be greater than or equal to 0");
  }
  if (params.limit_bytes && *params.limit_bytes < 1) {
    invalid("limitBytes", *params.limit_bytes, "must be greater than 0");
  }
  if (params.since_seconds && params.since_time) {
    causes.push_back({"FieldValueForbidden", "",
                      "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"});
  } else if (params.since_seconds && *params.since_seconds < 1) {
    invalid("sinceSeconds", *params.since_seconds, "must be greater than 0");
  }
  if (!causes.empty()) return Invalid("", "PodLogOptions", pod, causes);
  return params;
}

// "2026-01-02T03:04:05.123456789Z ", as the kubelet prefixes lines (RFC 3339 with nanoseconds).
std::string TimestampPrefix(absl::Time time) {
  return core::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone()), " ");
}

// The lines as the response body carries them, within what `limit` leaves.
std::string Render(const std::vector<LogLine>& lines, bool timestamps,
                   std::optional<int64_t>& limit) {
  std::string out;
  for (const LogLine& line : lines) {
    if (timestamps) out += TimestampPrefix(line.time);
    out += line.text;
    out += '\n';
  }
  if (limit) {
    if (static_cast<int64_t>(out.size()) > *limit) out.resize(static_cast<size_t>(*limit));
    *limit -= static_cast<int64_t>(out.size());
  }
  return out;
}

// Why a container has no log yet, in the kubelet's words.
std::string WaitingReason(const json& pod, const std::string& container) {
  const json& statuses = core::JsonAt(pod, {"status", "containerStatuses"});
  if (statuses.is_array()) {
    for (const json& status : statuses) {
      if (core::JsonMember(status, "name") != container) continue;
      const json& reason = core::JsonAt(status, {"state", "waiting", "reason"});
      if (reason.is_string()) return reason.get<std::string>();
    }
  }
  return "ContainerCreating";
}

}  // namespace

absl::StatusOr<std::string> LogContainer(const json& pod, const std::string& requested) {
  const std::string name = core::JsonAt(pod, {"metadata", "name"}).get<std::string>();
  const std::vector<std::string> containers = ContainerNames(pod, "containers");
  const std::vector<std::string> init_containers = ContainerNames(pod, "initContainers");
  if (requested.empty()) {
    if (containers.size() == 1 && init_containers.empty()) return containers.front();
    std::string message = core::StrCat("a container name must be specified for pod ", name,
                                       ", choose one of: ", GoList(containers));
    if (!init_containers.empty()) {
      core::StrAppend(&message, " or one of the init containers: ", GoList(init_containers));
    }
    return BadRequest(message);
  }
  for (const auto* list : {&containers, &init_containers}) {
    for (const std::string& candidate : *list) {
      if (candidate == requested) return requested;
    }
  }
  return BadRequest(core::StrCat("container ", requested, " is not valid for pod ", name));
}

absl::Status ServePodLog(PodLogs& logs, const json& pod, const httplib::Request& request,
                         httplib::Response& response, const std::atomic<bool>& stopping) {
  const json& metadata = core::JsonMember(pod, "metadata");
  const std::string name = core::JsonMember(metadata, "name").get<std::string>();
  NVSX_ASSIGN_OR_RETURN(LogParams params, ParseParams(request, name));
  NVSX_ASSIGN_OR_RETURN(std::string container, LogContainer(pod, params.container));
  response.status = 200;
  // A pod no node has taken has no log anywhere: the real server answers empty.
  if (!core::JsonAt(pod, {"spec", "nodeName"}).is_string()) {
    response.set_content("", kText);
    return absl::OkStatus();
  }
  const json& uid = core::JsonMember(metadata, "uid");
  const PodLogKey key{core::JsonMember(metadata, "namespace").get<std::string>(), name,
                      uid.is_string() ? uid.get<std::string>() : ""};
  std::optional<absl::Time> since = params.since_time;
  if (params.since_seconds) since = logs.clock()->Now() - absl::Seconds(*params.since_seconds);
  absl::StatusOr<PodLogs::Cursor> cursor =
      logs.Open(key, container, params.previous, params.tail_lines, since);
  if (!cursor.ok()) {
    return BadRequest(
        params.previous ? core::StrCat("previous terminated container \"", container,
                                       "\" in pod \"", name, "\" not found")
                        : core::StrCat("container \"", container, "\" in pod \"", name,
                                       "\" is waiting to start: ", WaitingReason(pod, container)));
  }
  if (!params.follow) {
    std::string body;
    bool ended = false;
    for (std::vector<LogLine> lines = logs.Read(*cursor, absl::ZeroDuration(), &ended);
         !lines.empty(); lines = logs.Read(*cursor, absl::ZeroDuration(), &ended)) {
      body += Render(lines, params.timestamps, params.limit_bytes);
    }
    response.set_content(std::move(body), kText);
    return absl::OkStatus();
  }
  struct Follow {
    PodLogs::Cursor cursor;
    bool timestamps;
    std::optional<int64_t> limit;
  };
  auto follow =
      std::make_shared<Follow>(Follow{*std::move(cursor), params.timestamps, params.limit_bytes});
  response.set_chunked_content_provider(
      kStreamedText, [&logs, &stopping, follow](size_t, httplib::DataSink& sink) {
        while (!stopping) {
          bool ended = false;
          std::vector<LogLine> lines = logs.Read(follow->cursor, kFollowPoll, &ended);
          if (!lines.empty()) {
            const std::string chunk = Render(lines, follow->timestamps, follow->limit);
            if (!sink.write(chunk.data(), chunk.size())) return false;
            if (!follow->limit || *follow->limit > 0) return true;
            break;  // limitBytes reached
          }
          if (ended) break;
          if (sink.is_writable && !sink.is_writable()) return false;
        }
        sink.done();
        return true;
      });
  return absl::OkStatus();
}

}  // namespace nvsx::sim
