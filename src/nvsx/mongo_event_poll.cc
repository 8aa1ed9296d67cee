#include "nvsx/mongo_event_poll.h"

#include <utility>

#include "core/str_cat.h"

namespace nvsx::op {

MongoEventPoll::MongoEventPoll(std::unique_ptr<MongoShell> shell, std::string collection,
                               std::string filter, absl::Duration interval,
                               core::WaitableClock* clock, std::function<void()> on_change)
    : shell_(std::move(shell)),
      collection_(std::move(collection)),
      filter_(filter.empty() ? "{}" : std::move(filter)),
      on_change_(std::move(on_change)),
      poller_(clock, interval, [this](const kube::CancelToken&) { Poll(); }) {}

MongoEventPoll::~MongoEventPoll() { Stop(); }

absl::Status MongoEventPoll::Start(absl::Time) {
  poller_.Start();
  return absl::OkStatus();
}

void MongoEventPoll::Stop() { poller_.Stop(); }

void MongoEventPoll::Poll() {
  absl::StatusOr<int64_t> count = shell_->CountDocuments(collection_, filter_);
  {
    std::lock_guard lock(mu_);
    last_ = std::move(count);
  }
  if (on_change_) on_change_();
}

WatchVerdict MongoEventPoll::Verdict() const {
  std::lock_guard lock(mu_);
  if (!last_) return {false, core::StrCat("counting ", collection_, " ", filter_, " in MongoDB")};
  if (!last_->ok()) {
    return {false, core::StrCat("MongoDB ", collection_, ": ", last_->status().message())};
  }
  if (**last_ > 0) {
    return {true, core::StrCat(**last_, " document(s) in ", collection_, " match ", filter_)};
  }
  return {false, core::StrCat("no document in ", collection_, " matches ", filter_, " yet")};
}

}  // namespace nvsx::op
