#include "nvsx/cluster_watch.h"

#include <utility>

#include "core/status_macros.h"
#include "core/str_cat.h"
#include "kube/informer.h"

namespace nvsx::op {

ClusterWatch::ClusterWatch(kube::RestClient* client, core::WaitableClock* clock,
                           core::Logger logger, StreamWatchOptions streams)
    : client_(client),
      clock_(clock),
      logger_(std::move(logger)),
      stream_options_(std::move(streams)) {}

ClusterWatch::~ClusterWatch() { Close(); }

absl::Status ClusterWatch::Open(std::span<const WatchSource> sources, absl::Time deadline) {
  std::vector<std::pair<std::string, kube::Informer*>> waiting;
  for (const WatchSource& source : sources) {
    const std::string key = source.Key();
    std::unique_lock lock(mu_);
    if (informers_.contains(key)) continue;
    kube::InformerOptions options;
    options.reflector.resource = source.collection;
    options.reflector.label_selector = source.label_selector;
    options.reflector.field_selector = source.field_selector;
    auto informer = std::make_unique<kube::Informer>(client_, clock_, std::move(options),
                                                     logger_.With({{"watch", key}}));
    auto changed = [this](const auto&...) { Changed(); };
    informer->AddEventHandlers({.on_add = changed, .on_update = changed, .on_delete = changed});
    kube::Informer* started = informer.get();
    informers_.emplace(key, std::move(informer));
    lock.unlock();
    started->Start();
    waiting.emplace_back(key, started);
  }
  for (const auto& [key, informer] : waiting) {
    if (!informer->WaitForCacheSync(std::max(deadline - clock_->Now(), absl::ZeroDuration()))) {
      return absl::DeadlineExceededError(
          core::StrCat("could not list ", key,
                       " before the stage's timeout: is the API server "
                       "reachable and the resource served?"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ClusterWatch::PreferredVersion(const std::string& group) {
  // The APIGroupList kubectl reads: every server serves it.
  absl::StatusOr<nlohmann::json> groups = client_->Do("GET", "/apis", {}, std::nullopt);
  if (!groups.ok()) return core::Annotate(groups.status(), "discovering API groups");
  for (const nlohmann::json& entry : groups->value("groups", nlohmann::json::array())) {
    if (!entry.is_object() || entry.value("name", "") != group) continue;
    const nlohmann::json preferred = entry.value("preferredVersion", nlohmann::json::object());
    if (preferred.is_object() && preferred.value("version", nlohmann::json()).is_string()) {
      return preferred["version"].get<std::string>();
    }
  }
  return absl::NotFoundError(core::StrCat("the API server does not serve group ", group,
                                          " (is its CRD installed?); or set the clause's version"));
}

ObjectList ClusterWatch::Objects(const WatchSource& source) const {
  std::lock_guard lock(mu_);
  auto it = informers_.find(source.Key());
  if (it == informers_.end()) return {};
  return it->second->cache().List();
}

absl::Status ClusterWatch::OpenStream(const WatchClause& clause, absl::Time deadline) {
  const std::string key = StreamKey(clause);
  std::unique_lock lock(mu_);
  if (streams_.contains(key)) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<StreamWatch>> stream = NewStreamWatch(
      clause, stream_options_, client_, clock_, [this] { Changed(); },
      logger_.With({{"watch", key}}));
  if (!stream.ok()) return stream.status();
  StreamWatch* started = stream->get();
  streams_.emplace(key, *std::move(stream));
  lock.unlock();
  absl::Status status = started->Start(deadline);
  if (!status.ok()) {
    // A later stage with the same clause tries afresh.
    std::unique_ptr<StreamWatch> failed;
    lock.lock();
    if (auto it = streams_.find(key); it != streams_.end() && it->second.get() == started) {
      failed = std::move(it->second);
      streams_.erase(it);
    }
    lock.unlock();
    if (failed) failed->Stop();
  }
  return status;
}

WatchVerdict ClusterWatch::StreamVerdict(const WatchClause& clause) const {
  const StreamWatch* stream = nullptr;
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(StreamKey(clause));
    if (it != streams_.end()) stream = it->second.get();
  }
  // Streams stay until Close, which the runner does not call while it judges.
  if (stream == nullptr) return {false, "not watching yet"};
  return stream->Verdict();
}

uint64_t ClusterWatch::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

uint64_t ClusterWatch::WaitForChange(uint64_t seen, absl::Time deadline) {
  std::unique_lock lock(mu_);
  while (generation_ == seen && !woken_ && clock_->Now() < deadline) {
    clock_->WaitUntil(changed_, lock, deadline);
  }
  return generation_;
}

void ClusterWatch::Wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  changed_.notify_all();
}

void ClusterWatch::Changed() {
  std::lock_guard lock(mu_);
  ++generation_;
  changed_.notify_all();
}

void ClusterWatch::Close() {
  std::map<std::string, std::unique_ptr<kube::Informer>> informers;
  std::map<std::string, std::unique_ptr<StreamWatch>> streams;
  {
    std::lock_guard lock(mu_);
    informers.swap(informers_);
    streams.swap(streams_);
  }
  for (auto& [key, informer] : informers) informer->Stop();
  for (auto& [key, stream] : streams) stream->Stop();
}

}  // namespace nvsx::op
