#include "kube/event_recorder.h"

#include <algorithm>
#include <vector>

#include "core/str_cat.h"
#include "core/time_format.h"
#include "kube/api_error.h"
#include "kube/types/json_fields.h"

namespace nvsx::kube {
namespace {

using json = nlohmann::json;

// events.k8s.io/v1 refuses notes over 1 kB.
constexpr size_t kMaxNoteBytes = 1024;

ResourceRef EventsRef(EventApi api, const std::string& namespace_name) {
  return api == EventApi::kEventsV1
             ? ResourceRef{"events.k8s.io", "v1", "events", namespace_name, "", ""}
             : ResourceRef{"", "v1", "events", namespace_name, "", ""};
}

// Cuts at a UTF-8 character boundary.
std::string Truncate(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

// A 404 that is not about the namespace: the server does not serve the resource.
bool ResourceNotServed(const absl::Status& status) {
  if (!apierrors::IsNotFound(status)) return false;
  std::optional<ApiError> error = GetApiError(status);
  return !error || !error->details.is_object() || error->details.value("kind", "") != "namespaces";
}

}  // namespace

std::string_view EventTypeName(EventType type) {
  return type == EventType::kWarning ? "Warning" : "Normal";
}

EventRecorder::EventRecorder(RestClient* client, EventRecorderOptions options, core::Logger logger)
    : client_(client), options_(std::move(options)), logger_(std::move(logger)) {
  thread_ = std::thread([this] { Run(); });
}

EventRecorder::~EventRecorder() { Stop(); }

void EventRecorder::Record(const ObjectReference& regarding, EventType type,
                           std::string_view reason, std::string_view action,
                           std::string_view note) {
  Occurrence occurrence{regarding,
                        type,
                        std::string(reason),
                        std::string(action.empty() ? reason : action),
                        Truncate(note, kMaxNoteBytes),
                        options_.clock->Now(),
                        ""};
  occurrence.key =
      core::StrCat(regarding.ToJson().dump(), '\x1f', EventTypeName(type), '\x1f',
                   occurrence.reason, '\x1f', occurrence.action, '\x1f', occurrence.note);
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || queue_.size() >= options_.queue_capacity) {
    ++stats_.dropped;
    return;
  }
  queue_.push_back(std::move(occurrence));
  ++enqueued_;
  cv_.notify_all();
}

void EventRecorder::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = enqueued_;
  cv_.wait(lock, [&] { return finished_ >= target; });
}

void EventRecorder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

EventRecorderStats EventRecorder::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

EventApi EventRecorder::api() const {
  std::lock_guard<std::mutex> lock(mu_);
  return api_;
}

void EventRecorder::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything written
    std::deque<Occurrence> batch;
    batch.swap(queue_);
    lock.unlock();
    // Repeats waiting together become one write: the first occurrence of a
    // key, how many there were, and when the last happened.
    struct Group {
      const Occurrence* first;
      int64_t count;
      absl::Time last_time;
    };
    std::vector<Group> groups;
    std::map<std::string, size_t> group_of;
    for (const Occurrence& occurrence : batch) {
      auto [it, added] = group_of.emplace(occurrence.key, groups.size());
      if (added) {
        groups.push_back({&occurrence, 1, occurrence.time});
      } else {
        ++groups[it->second].count;
        groups[it->second].last_time = occurrence.time;
      }
    }
    for (const Group& group : groups) Write(*group.first, group.count, group.last_time);
    lock.lock();
    finished_ += batch.size();
    cv_.notify_all();
  }
}

void EventRecorder::Write(const Occurrence& first, int64_t count, absl::Time last_time) {
  auto it = series_.find(first.key);
  if (it != series_.end() && first.time - it->second.last_seen <= options_.aggregation_window) {
    Series& series = it->second;
    series.count += count;
    series.last_seen = last_time;
    absl::Status updated = UpdateSeries(series, last_time);
    if (updated.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.aggregated += count;
      return;
    }
    const std::string name = series.name;
    series_.erase(it);
    if (!apierrors::IsNotFound(updated)) {
      logger_.Warn("updating an event failed", {{"event", name}, {"error", updated.ToString()}});
      std::lock_guard<std::mutex> lock(mu_);
      stats_.failed += count;
      return;
    }
    // The Event is gone (expired or deleted): start a new one.
  }
  Series series;
  absl::Status created = CreateEvent(first, count, last_time, series);
  if (!created.ok()) {
    logger_.Warn("recording an event failed", {{"reason", first.reason},
                                               {"object", first.regarding.name},
                                               {"error", created.ToString()}});
    std::lock_guard<std::mutex> lock(mu_);
    stats_.failed += count;
    return;
  }
  series_[first.key] = std::move(series);
  if (series_.size() > options_.max_series) ForgetOldestSeries();
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.created;
  stats_.aggregated += count - 1;
}

absl::Status EventRecorder::CreateEvent(const Occurrence& first, int64_t count,
                                        absl::Time last_time, Series& series) {
  series.namespace_name =
      first.regarding.namespace_name.empty() ? "default" : first.regarding.namespace_name;
  series.name = NextName(first.regarding, first.time);
  series.count = count;
  series.last_seen = last_time;
  series.api = api();
  if (series.api == EventApi::kEventsV1) {
    json event = {{"apiVersion", "events.k8s.io/v1"},
                  {"kind", "Event"},
                  {"metadata", {{"name", series.name}, {"namespace", series.namespace_name}}},
                  {"eventTime", FormatMicroTime(first.time)},
                  {"reportingController", options_.reporting_controller},
                  {"reportingInstance", options_.reporting_instance},
                  {"action", first.action},
                  {"reason", first.reason},
                  {"regarding", first.regarding.ToJson()},
                  {"note", first.note},
                  {"type", EventTypeName(first.type)}};
    if (count > 1) {
      event["series"] = {{"count", count}, {"lastObservedTime", FormatMicroTime(last_time)}};
    }
    absl::Status created =
        client_->Create(EventsRef(EventApi::kEventsV1, series.namespace_name), event).status();
    if (!ResourceNotServed(created)) return created;
    logger_.Info("events.k8s.io/v1 is not served; recording core/v1 events");
    {
      std::lock_guard<std::mutex> lock(mu_);
      api_ = EventApi::kCoreV1;
    }
    series.api = EventApi::kCoreV1;
  }
  json event = {{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", series.name}, {"namespace", series.namespace_name}}},
                {"involvedObject", first.regarding.ToJson()},
                {"reason", first.reason},
                {"message", first.note},
                {"type", EventTypeName(first.type)},
                {"action", first.action},
                {"count", count},
                {"firstTimestamp", core::FormatTimestamp(first.time)},
                {"lastTimestamp", core::FormatTimestamp(last_time)},
                {"source", {{"component", options_.reporting_controller}}},
                {"reportingComponent", options_.reporting_controller},
                {"reportingInstance", options_.reporting_instance}};
  return client_->Create(EventsRef(EventApi::kCoreV1, series.namespace_name), event).status();
}

absl::Status EventRecorder::UpdateSeries(const Series& series, absl::Time last_time) {
  const json patch =
      series.api == EventApi::kEventsV1
          ? json{{"series",
                  {{"count", series.count}, {"lastObservedTime", FormatMicroTime(last_time)}}}}
          : json{{"count", series.count}, {"lastTimestamp", core::FormatTimestamp(last_time)}};
  return client_
      ->Patch(EventsRef(series.api, series.namespace_name).WithName(series.name), PatchType::kMerge,
              patch)
      .status();
}

// client-go's naming, "<object>.<hex nanoseconds>", kept unique within this
// recorder when a fake clock stands still.
std::string EventRecorder::NextName(const ObjectReference& regarding, absl::Time time) {
  last_name_nanos_ = std::max(absl::ToUnixNanos(time), last_name_nanos_ + 1);
  return core::StrCat(regarding.name, ".", fmt::format("{:x}", last_name_nanos_));
}

void EventRecorder::ForgetOldestSeries() {
  auto oldest = std::min_element(series_.begin(), series_.end(), [](const auto& a, const auto& b) {
    return a.second.last_seen < b.second.last_seen;
  });
  if (oldest != series_.end()) series_.erase(oldest);
}

}  // namespace nvsx::kube
