#include "kube/informer.h"

#include <algorithm>

namespace nvsx::kube {
namespace {

// A projecting transform is applied by the reflector, as it decodes.
ReflectorOptions WithProjection(ReflectorOptions options, const Transform& transform) {
  if (transform.projection()) options.object_projection = transform.projection();
  return options;
}

}  // namespace

Informer::Informer(RestClient* client, core::WaitableClock* clock, InformerOptions options,
                   core::Logger logger)
    : clock_(clock),
      options_(std::move(options)),
      logger_(std::move(logger)),
      cache_(options_.indexers),
      reflector_(client, clock, WithProjection(options_.reflector, options_.transform), this,
                 logger_) {}

Informer::~Informer() { Stop(); }

void Informer::AddEventHandlers(EventHandlers handlers) {
  std::lock_guard<std::mutex> guard(mu_);
  handlers_.push_back(std::move(handlers));
}

void Informer::Start() {
  std::lock_guard<std::mutex> guard(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  reflector_thread_ = std::thread([this] { reflector_.Run(cancel_); });
  dispatch_thread_ = std::thread([this] { DispatchLoop(); });
}

void Informer::Stop() {
  cancel_.Cancel();
  {
    std::lock_guard<std::mutex> guard(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (reflector_thread_.joinable()) reflector_thread_.join();
  if (dispatch_thread_.joinable()) dispatch_thread_.join();
}

bool Informer::HasSynced() const {
  std::lock_guard<std::mutex> guard(mu_);
  return synced_;
}

bool Informer::WaitForCacheSync(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const absl::Time deadline = clock_->Now() + timeout;
  while (!synced_ && !stopping_ && clock_->Now() < deadline) {
    clock_->WaitUntil(cv_, lock, deadline);
  }
  return synced_;
}

nlohmann::json Informer::Transformed(nlohmann::json object) const {
  if (!options_.transform || options_.transform.projection()) return object;
  return options_.transform(std::move(object));
}

void Informer::BeginList() { listing_.clear(); }

void Informer::AddListed(nlohmann::json object) {
  listing_.push_back(std::make_shared<const CompactObject>(Transformed(std::move(object))));
}

void Informer::EndList() {
  auto by_key = [](const CompactObjectPtr& a, const CompactObjectPtr& b) {
    return a->key() < b->key();
  };
  std::sort(listing_.begin(), listing_.end(), by_key);
  std::lock_guard<std::mutex> guard(mu_);
  // Both sides ordered by key: walk them together; what only the cache has
  // was deleted, what only the list has was added, a changed version is an
  // update, and an unchanged one is not delivered again.
  const std::vector<CompactObjectPtr> cached = cache_.Snapshot();
  size_t i = 0, j = 0;
  while (i < listing_.size() || j < cached.size()) {
    if (i == listing_.size() || (j < cached.size() && by_key(cached[j], listing_[i]))) {
      cache_.Remove(std::string(cached[j]->key()));
      EnqueueLocked({Notification::Kind::kDelete, nullptr, cached[j]});
      ++j;
    } else if (j == cached.size() || by_key(listing_[i], cached[j])) {
      cache_.Put(listing_[i]);
      EnqueueLocked({Notification::Kind::kAdd, nullptr, listing_[i]});
      ++i;
    } else {
      if (cached[j]->resource_version() != listing_[i]->resource_version()) {
        cache_.Put(listing_[i]);
        EnqueueLocked({Notification::Kind::kUpdate, cached[j], listing_[i]});
      }
      ++i;
      ++j;
    }
  }
  if (!listed_once_) {
    listed_once_ = true;
    EnqueueLocked({Notification::Kind::kSynced, nullptr, nullptr});
  }
  listing_.clear();
  listing_.shrink_to_fit();
}

void Informer::OnWatchEvent(WatchEventType type, nlohmann::json object) {
  object = Transformed(std::move(object));
  auto compact = std::make_shared<const CompactObject>(object);
  const std::string key(compact->key());
  std::lock_guard<std::mutex> guard(mu_);
  if (type == WatchEventType::kDeleted) {
    if (cache_.Remove(key)) EnqueueLocked({Notification::Kind::kDelete, nullptr, compact});
    return;
  }
  // ADDED and MODIFIED alike: what the cache holds decides add or update.
  CompactObjectPtr old = cache_.GetCompact(key);
  if (old && old->resource_version() == compact->resource_version()) return;  // seen already
  cache_.Put(compact, &object);
  EnqueueLocked(old ? Notification{Notification::Kind::kUpdate, old, compact}
                    : Notification{Notification::Kind::kAdd, nullptr, compact});
}

void Informer::EnqueueLocked(Notification notification) {
  queue_.push_back(std::move(notification));
  cv_.notify_all();
}

void Informer::EnqueueResyncLocked() {
  for (const CompactObjectPtr& object : cache_.Snapshot()) {
    queue_.push_back({Notification::Kind::kUpdate, object, object});
  }
  cv_.notify_all();
}

void Informer::DispatchLoop() {
  const absl::Duration period = options_.resync_period;
  const bool resync = period > absl::ZeroDuration();
  std::unique_lock<std::mutex> lock(mu_);
  absl::Time next_resync = resync ? clock_->Now() + period : absl::InfiniteFuture();
  while (!stopping_) {
    if (queue_.empty()) {
      // A resync is queued only behind every earlier change, so it repeats
      // the state the handlers have just been told about.
      if (resync && synced_ && clock_->Now() >= next_resync) {
        EnqueueResyncLocked();
        next_resync = clock_->Now() + period;
      } else {
        clock_->WaitUntil(cv_, lock, next_resync);
      }
      continue;
    }
    Notification notification = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Deliver(notification);
    lock.lock();
    if (notification.kind == Notification::Kind::kSynced) {
      synced_ = true;
      cv_.notify_all();
    }
  }
}

void Informer::Deliver(const Notification& notification) {
  if (notification.kind == Notification::Kind::kSynced) return;
  const nlohmann::json object = notification.object->Decode();
  const nlohmann::json old_object =
      notification.kind == Notification::Kind::kUpdate
          ? (notification.old_object == notification.object ? object
                                                            : notification.old_object->Decode())
          : nlohmann::json();
  for (const EventHandlers& handlers : handlers_) {
    switch (notification.kind) {
      case Notification::Kind::kAdd:
        if (handlers.on_add) handlers.on_add(object);
        break;
      case Notification::Kind::kUpdate:
        if (handlers.on_update) handlers.on_update(old_object, object);
        break;
      case Notification::Kind::kDelete:
        if (handlers.on_delete) handlers.on_delete(object);
        break;
      case Notification::Kind::kSynced:
        break;
    }
  }
}

}  // namespace nvsx::kube
