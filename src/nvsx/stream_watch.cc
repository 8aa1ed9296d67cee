#include "nvsx/stream_watch.h"

#include <utility>

#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "nvsx/log_pattern.h"
#include "nvsx/mongo_event_poll.h"
#include "nvsx/pod_log_watch.h"
#include "nvsx/watch_kinds.h"

namespace nvsx::op {
namespace {

// The namespace the original nvsx read pods in when a clause named none.
constexpr char kDefaultNamespace[] = "default";
// How far back a log watch reads, as the original's `kubectl logs --tail`.
constexpr int64_t kLogTail = 100;
constexpr int64_t kTrainingLogTail = 80;

std::string Or(const std::string& value, const std::string& fallback) {
  return value.empty() ? fallback : value;
}

}  // namespace

std::string StreamKey(const WatchClause& clause) {
  std::vector<std::string> fields;
  for (const auto& [name, value] : clause.fields) fields.push_back(core::StrCat(name, "=", value));
  return core::StrCat(SpecOf(clause.kind).name, "?", absl::StrJoin(fields, "&"));
}

absl::StatusOr<std::unique_ptr<StreamWatch>> NewStreamWatch(
    const WatchClause& clause, const StreamWatchOptions& options, kube::RestClient* client,
    core::WaitableClock* clock, std::function<void()> on_change, core::Logger logger) {
  switch (clause.kind) {
    case WatchKind::kLog:
    case WatchKind::kTrainingLog: {
      absl::StatusOr<std::regex> pattern = CompileLogPattern(clause.Field("pattern"));
      if (!pattern.ok()) return core::Annotate(pattern.status(), "pattern");
      const bool training = clause.kind == WatchKind::kTrainingLog;
      PodLogSource source{.namespace_name = Or(clause.Field("namespace"), kDefaultNamespace),
                          .label_selector = training ? "" : clause.Field("selector"),
                          .pod = training ? clause.Field("pod") : "",
                          .container = clause.Field("container"),
                          .tail_lines = training ? kTrainingLogTail : kLogTail,
                          .pattern = clause.Field("pattern")};
      return std::make_unique<PodLogWatch>(client, clock, std::move(source), *std::move(pattern),
                                           options.max_followed_pods, std::move(on_change),
                                           std::move(logger));
    }
    case WatchKind::kMongoEvent: {
      MongoShellOptions mongo = options.mongo;
      mongo.namespace_name = Or(clause.Field("namespace"), mongo.namespace_name);
      return std::make_unique<MongoEventPoll>(
          std::make_unique<MongoShell>(std::move(mongo), client), clause.Field("collection"),
          clause.Field("filter"), options.mongo_poll_interval, clock, std::move(on_change));
    }
    default:
      break;
  }
  return absl::InvalidArgumentError(core::StrCat("a ", SpecOf(clause.kind).name,
                                                 " watch reads Kubernetes objects, not a stream"));
}

}  // namespace nvsx::op
