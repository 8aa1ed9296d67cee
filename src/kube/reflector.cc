#include "kube/reflector.h"

#include "core/str_cat.h"
#include "kube/api_error.h"
#include "kube/compact_object.h"

namespace nvsx::kube {
namespace {

// A watch that ends cleanly this soon without any event is treated as a
// failure, so a server that keeps closing at once is not hammered.
constexpr absl::Duration kShortWatch = absl::Seconds(1);

}  // namespace

Reflector::Reflector(RestClient* client, core::WaitableClock* clock, ReflectorOptions options,
                     ReflectorSink* sink, core::Logger logger)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      sink_(sink),
      logger_(std::move(logger)),
      rng_(std::random_device{}()) {}

ReflectorStats Reflector::stats() const {
  std::lock_guard<std::mutex> guard(mu_);
  return stats_;
}

double Reflector::Random() {
  if (options_.random) return options_.random();
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

void Reflector::Run(const CancelToken& cancel) {
  bool need_list = true;
  int failures = 0;  // consecutive
  while (!cancel.cancelled()) {
    absl::Status status;
    bool progressed = false;
    const absl::Time started = clock_->Now();
    if (need_list) {
      status = List(cancel);
      need_list = !status.ok();
      progressed = status.ok();
    } else {
      status = Watch(cancel, &progressed);
      if (apierrors::IsGone(status)) {
        logger_.Info("watch history expired; listing again", {{"error", status.ToString()}});
        std::lock_guard<std::mutex> guard(mu_);
        ++stats_.gone;
        need_list = true;
        continue;
      }
      if (status.ok() && !progressed && clock_->Now() - started < kShortWatch) {
        status = absl::UnavailableError("the watch ended at once without events");
      }
    }
    if (cancel.cancelled()) break;
    if (status.ok()) {
      failures = 0;
      continue;
    }
    if (progressed) failures = 0;
    {
      std::lock_guard<std::mutex> guard(mu_);
      ++stats_.failures;
    }
    logger_.Warn(need_list ? "list failed; retrying" : "watch failed; resuming",
                 {{"resource", options_.resource.resource}, {"error", status.ToString()}});
    absl::Duration delay = options_.backoff.Delay(failures++, [this] { return Random(); });
    cancel.WaitUntil(clock_, clock_->Now() + delay);
  }
}

absl::Status Reflector::List(const CancelToken& cancel) {
  ListOptions list;
  list.label_selector = options_.label_selector;
  list.field_selector = options_.field_selector;
  list.limit = options_.page_size;
  list.cancel = &cancel;
  list.item_projection = options_.object_projection;
  std::string resource_version;
  sink_->BeginList();
  while (true) {
    absl::StatusOr<nlohmann::json> page = client_->List(options_.resource, list);
    if (!page.ok()) return page.status();
    // Items of a list carry no kind; the list's own kind names it ("PodList").
    std::string kind = page->value("kind", "");
    if (kind.ends_with("List")) kind.resize(kind.size() - 4);
    const std::string api_version = page->value("apiVersion", "");
    if (resource_version.empty()) resource_version = ResourceVersionOf(*page);
    if (auto items = page->find("items"); items != page->end() && items->is_array()) {
      for (nlohmann::json& item : *items) {
        if (!item.contains("kind")) item["kind"] = kind;
        if (!item.contains("apiVersion")) item["apiVersion"] = api_version;
        sink_->AddListed(std::move(item));
      }
    }
    std::string next;
    if (auto metadata = page->find("metadata"); metadata != page->end() && metadata->is_object()) {
      next = metadata->value("continue", "");
    }
    if (next.empty()) break;
    // Every page is part of the first page's snapshot: the list's version is
    // the first page's.
    list.continue_token = std::move(next);
  }
  {
    // Counted first, so whoever sees the list's deliveries sees it counted.
    std::lock_guard<std::mutex> guard(mu_);
    ++stats_.lists;
    stats_.resource_version = resource_version;
  }
  sink_->EndList();
  return absl::OkStatus();
}

absl::Status Reflector::Watch(const CancelToken& cancel, bool* progressed) {
  WatchOptions watch;
  {
    std::lock_guard<std::mutex> guard(mu_);
    watch.resource_version = stats_.resource_version;
    ++stats_.watches;
  }
  watch.label_selector = options_.label_selector;
  watch.field_selector = options_.field_selector;
  watch.allow_bookmarks = true;
  watch.server_timeout =
      absl::Seconds(absl::ToInt64Seconds(options_.watch_timeout * (1.0 + Random())));
  if (watch.server_timeout < absl::Seconds(1)) watch.server_timeout = absl::Seconds(1);
  watch.cancel = &cancel;
  watch.object_projection = options_.object_projection;
  absl::Status event_error;
  absl::Status status = client_->Watch(options_.resource, watch, [&](const WatchEvent& event) {
    if (cancel.cancelled()) return false;
    if (event.type == WatchEventType::kError) {
      event_error = WatchErrorStatus(event.object);
      return false;
    }
    std::string version = ResourceVersionOf(event.object);
    if (event.type != WatchEventType::kBookmark) sink_->OnWatchEvent(event.type, event.object);
    *progressed = true;
    std::lock_guard<std::mutex> guard(mu_);
    if (!version.empty()) stats_.resource_version = std::move(version);
    return true;
  });
  if (!event_error.ok()) return event_error;
  return status;
}

}  // namespace nvsx::kube
