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
      interval_(interval),
      clock_(clock),
      on_change_(std::move(on_change)) {}

MongoEventPoll::~MongoEventPoll() { Stop(); }

absl::Status MongoEventPoll::Start(absl::Time) {
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void MongoEventPoll::Stop() {
  cancel_.Cancel();
  if (thread_.joinable()) thread_.join();
}

void MongoEventPoll::Loop() {
  do {
    Poll();
  } while (cancel_.WaitUntil(clock_, clock_->Now() + interval_));
}

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
