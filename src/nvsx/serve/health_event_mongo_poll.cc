#include "nvsx/serve/health_event_mongo_poll.h"

#include <algorithm>
#include <charconv>

#include "core/str_cat.h"
#include "nvsx/serve/health_event_fire.h"
#include "nvsx/serve/health_event_match.h"

namespace nvsx::serve {
namespace {

// How far before the newest document each query reads again.
constexpr absl::Duration kOverlap = absl::Seconds(5);

// When an ObjectId was made: its first 4 bytes, Unix seconds.
absl::Time CreatedAt(const std::string& id) {
  uint32_t seconds = 0;
  const auto [end, error] = std::from_chars(id.data(), id.data() + 8, seconds, 16);
  if (error != std::errc() || end != id.data() + 8) return absl::InfinitePast();
  return absl::FromUnixSeconds(seconds);
}

}  // namespace

MongoHealthEventPoll::MongoHealthEventPoll(MongoPollOptions options, kube::RestClient* client,
                                           core::WaitableClock* clock, Dispatcher* dispatcher,
                                           std::vector<op::Runbook> runbooks, core::Logger logger)
    : options_(std::move(options)),
      dispatcher_(dispatcher),
      runbooks_(std::move(runbooks)),
      logger_(std::move(logger)),
      shell_(options_.shell, client),
      newest_(clock->Now() - options_.lookback + kOverlap),
      poller_(clock, options_.interval, [this](const kube::CancelToken& cancel) { Poll(cancel); }) {
}

MongoHealthEventPoll::~MongoHealthEventPoll() { Stop(); }

void MongoHealthEventPoll::Start() { poller_.Start(); }

void MongoHealthEventPoll::Stop() { poller_.Stop(); }

void MongoHealthEventPoll::Poll(const kube::CancelToken& cancel) {
  if (absl::Status polled = PollOnce(cancel); !polled.ok()) {
    logger_.Warn("could not read NVSentinel's MongoDB; trying again",
                 {{"collection", options_.collection}, {"error", polled.ToString()}});
  } else {
    synced_ = true;
  }
}

absl::Status MongoHealthEventPoll::PollOnce(const kube::CancelToken& cancel) {
  const std::string window_start = op::ObjectIdAt(newest_ - kOverlap);
  std::string after = window_start;
  while (!cancel.cancelled()) {
    absl::StatusOr<std::vector<nlohmann::json>> documents =
        shell_.FindAfter(options_.collection, after, options_.page);
    if (!documents.ok()) return documents.status();
    for (const nlohmann::json& document : *documents) {
      const std::string id = op::DocumentId(document);
      if (id.empty()) {
        logger_.Warn("document without an ObjectId _id skipped",
                     {{"collection", options_.collection}});
        continue;
      }
      after = std::max(after, id);
      if (!handled_.insert(id).second) continue;
      newest_ = std::max(newest_, CreatedAt(id));
      if (std::optional<FatalFault> fault = FatalFaultOfDocument(document)) {
        FireRunbookForFault(*fault, runbooks_, core::StrCat("mongodb:", id),
                            core::StrCat("mongodb/", id), *dispatcher_, logger_);
      }
    }
    if (documents->size() < static_cast<size_t>(options_.page)) break;
  }
  // Ids before the next window are never read again.
  handled_.erase(handled_.begin(), handled_.lower_bound(op::ObjectIdAt(newest_ - kOverlap)));
  return absl::OkStatus();
}

}  // namespace nvsx::serve
