#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/logger.h"
#include "kube/cancel_token.h"
#include "kube/informer.h"
#include "kube/rest_client.h"
#include "nvsx/stream_watch.h"

namespace nvsx::op {

// The logs a log or training-log clause reads.
struct PodLogSource {
  std::string namespace_name = "default";
  std::string label_selector;  // log: the pods these labels select
  std::string pod;             // training-log: this one pod
  std::string container;       // empty: each pod's default container, as kubectl picks it
  int64_t tail_lines = 100;    // lines from before the watch that count (the original's --tail)
  std::string pattern;         // as written, for messages
};

// Follows the logs of every pod the source selects, pods that appear or
// restart later included (a pod informer starts a follow for each container
// instance that runs), and remembers the first line the pattern matches: a
// matched clause stays matched. One streamed GET pods/NAME/log?follow=true
// per pod, through the client, reconnecting after a broken connection.
class PodLogWatch final : public StreamWatch {
 public:
  // `client` and `clock` must outlive it.
  PodLogWatch(kube::RestClient* client, core::WaitableClock* clock, PodLogSource source,
              std::regex pattern, size_t max_pods, std::function<void()> on_change,
              core::Logger logger);
  ~PodLogWatch() override;

  // Lists the pods (then follows their logs); fails when they cannot be
  // listed before `deadline`.
  absl::Status Start(absl::Time deadline) override;
  void Stop() override;
  WatchVerdict Verdict() const override;

 private:
  struct Follower {
    std::string pod;
    kube::CancelToken cancel;
    std::atomic<bool> done{false};
    std::thread thread;
  };
  struct Match {
    std::string pod;
    std::string line;
  };

  void OnPod(const nlohmann::json& pod);
  void Follow(Follower* follower, std::string container);
  // Records `line` of `pod`; false once it matched (that follow may end).
  bool OnLine(const std::string& pod, std::string_view line);
  void Changed();

  kube::RestClient* const client_;
  core::WaitableClock* const clock_;
  const PodLogSource source_;
  const std::regex pattern_;
  const size_t max_pods_;
  const std::function<void()> on_change_;
  core::Logger logger_;
  kube::Informer informer_;

  mutable std::mutex mu_;
  bool stopping_ = false;
  // By "uid/restarts": one per container instance; null once its follower
  // finished and was joined, so the instance is not followed again.
  std::map<std::string, std::unique_ptr<Follower>> followers_;
  std::map<std::string, std::string> problems_;  // pod -> why its log cannot be read
  std::set<std::string> skipped_;                // instances not followed: over max_pods
  std::optional<Match> match_;
};

}  // namespace nvsx::op
