#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/str_cat.h"
#include "kube/indexed_cache.h"
#include "kube/informer.h"
#include "kube/rest_client.h"

namespace nvsx::kube::testing {

// Objects by key -> resourceVersion.
using VersionMap = std::map<std::string, std::string>;

// Records what an informer's handlers were told and checks that it tells a
// consistent story: an add only for a key not yet held, an update whose old
// object is the one held (and that changes the version, unless it is a
// resync), a delete only for a key held. Any break is a "problem": a missed
// or duplicated delivery shows up as one, or as a final state that differs
// from the server's.
class Recorder {
 public:
  EventHandlers Handlers() {
    EventHandlers handlers;
    handlers.on_add = [this](const nlohmann::json& object) {
      std::lock_guard<std::mutex> guard(mu_);
      const std::string key = ObjectKey(object);
      if (state_.contains(key)) problems_.push_back("add of a key already held: " + key);
      state_[key] = Version(object);
      log_.push_back(core::StrCat("add ", key));
      cv_.notify_all();
    };
    handlers.on_update = [this](const nlohmann::json& old_object, const nlohmann::json& object) {
      std::lock_guard<std::mutex> guard(mu_);
      const std::string key = ObjectKey(object);
      auto held = state_.find(key);
      if (held == state_.end()) {
        problems_.push_back("update of a key not held: " + key);
      } else if (held->second != Version(old_object)) {
        problems_.push_back(core::StrCat("update of ", key, " from ", Version(old_object),
                                         " but it was at ", held->second));
      }
      if (Version(old_object) == Version(object)) {
        ++resyncs_;
        if (old_object != object) problems_.push_back("same version, different object: " + key);
      } else {
        log_.push_back(core::StrCat("update ", key));
      }
      state_[key] = Version(object);
      cv_.notify_all();
    };
    handlers.on_delete = [this](const nlohmann::json& object) {
      std::lock_guard<std::mutex> guard(mu_);
      const std::string key = ObjectKey(object);
      if (state_.erase(key) == 0) problems_.push_back("delete of a key not held: " + key);
      log_.push_back(core::StrCat("delete ", key));
      cv_.notify_all();
    };
    return handlers;
  }

  // Waits (real time, up to `limit`) until `done` holds for the state.
  bool WaitFor(const std::function<bool(const VersionMap&)>& done,
               absl::Duration limit = absl::Seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoMilliseconds(limit), [&] { return done(state_); });
  }
  bool WaitForState(const VersionMap& expected, absl::Duration limit = absl::Seconds(20)) {
    return WaitFor([&](const VersionMap& state) { return state == expected; }, limit);
  }

  bool WaitForResyncs(int count, absl::Duration limit = absl::Seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoMilliseconds(limit), [&] { return resyncs_ >= count; });
  }

  VersionMap state() {
    std::lock_guard<std::mutex> guard(mu_);
    return state_;
  }
  // "add KEY", "update KEY", "delete KEY", in delivery order (resyncs left out).
  std::vector<std::string> log() {
    std::lock_guard<std::mutex> guard(mu_);
    return log_;
  }
  void ClearLog() {
    std::lock_guard<std::mutex> guard(mu_);
    log_.clear();
  }
  std::vector<std::string> problems() {
    std::lock_guard<std::mutex> guard(mu_);
    return problems_;
  }
  int resyncs() {
    std::lock_guard<std::mutex> guard(mu_);
    return resyncs_;
  }

 private:
  static std::string Version(const nlohmann::json& object) {
    return object["metadata"].value("resourceVersion", "");
  }

  std::mutex mu_;
  std::condition_variable cv_;
  VersionMap state_;
  std::vector<std::string> log_;
  std::vector<std::string> problems_;
  int resyncs_ = 0;
};

// What the server holds of `ref`, by key.
inline VersionMap ServerVersions(RestClient& client, const ResourceRef& ref) {
  VersionMap out;
  auto list = client.ListAll(ref);
  if (!list.ok()) return out;
  for (const auto& item : (*list)["items"]) {
    out[ObjectKey(item)] = item["metadata"].value("resourceVersion", "");
  }
  return out;
}

}  // namespace nvsx::kube::testing
