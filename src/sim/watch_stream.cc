#include "sim/watch_stream.h"

#include "sim/api_error.h"

namespace nvsx::sim {

bool WatchFilter::Matches(const nlohmann::json& object) const {
  if (!namespace_name.empty()) {
    const nlohmann::json& metadata = object.contains("metadata") ? object["metadata"] : object;
    if (metadata.value("namespace", "") != namespace_name) return false;
  }
  if (!labels.empty()) {
    const nlohmann::json* metadata = object.contains("metadata") ? &object["metadata"] : nullptr;
    nlohmann::json none;
    if (!labels.Matches(metadata && metadata->contains("labels") ? (*metadata)["labels"] : none)) {
      return false;
    }
  }
  return fields.Matches(object);
}

WatchStream::WatchStream(WatchFilter filter, size_t queue_limit)
    : filter_(std::move(filter)), queue_limit_(queue_limit) {}

bool WatchStream::Offer(WatchEvent event) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return false;
  if (queue_.size() >= queue_limit_) {
    queue_.clear();
    auto status = std::make_shared<const nlohmann::json>(ToKubeStatus(
        Gone("the watch fell too far behind and was closed; list again and watch from there")));
    queue_.push_back({"ERROR", std::move(status)});
    closed_ = true;
    cv_.notify_all();
    return false;
  }
  queue_.push_back(std::move(event));
  cv_.notify_all();
  return true;
}

bool WatchStream::Idle() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.empty();
}

std::optional<WatchEvent> WatchStream::Next(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoMicroseconds(timeout),
               [this] { return !queue_.empty() || closed_; });
  if (queue_.empty()) return std::nullopt;
  WatchEvent event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

bool WatchStream::done() {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_ && queue_.empty();
}

void WatchStream::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

}  // namespace nvsx::sim
