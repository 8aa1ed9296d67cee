#include "nvsx/pod_log_watch.h"

#include <algorithm>
#include <utility>

#include "core/json_member.h"
#include "core/str_cat.h"
#include "kube/api_error.h"
#include "kube/pod_log.h"

namespace nvsx::op {
namespace {

using nlohmann::json;

constexpr absl::Duration kFirstRetry = absl::Milliseconds(200);
constexpr absl::Duration kLastRetry = absl::Seconds(5);
constexpr size_t kShownLine = 160;
constexpr size_t kSearchedLineBytes = 8 * 1024;

kube::InformerOptions PodsOf(const PodLogSource& source) {
  kube::InformerOptions options;
  options.reflector.resource = {"", "v1", "pods", source.namespace_name, "", ""};
  options.reflector.label_selector = source.label_selector;
  if (!source.pod.empty()) {
    options.reflector.field_selector = core::StrCat("metadata.name=", source.pod);
  }
  return options;
}

// The container kubectl reads when none is named: the one the
// kubectl.kubernetes.io/default-container annotation names, else the first.
std::string DefaultContainer(const json& pod) {
  const json& named =
      core::JsonAt(pod, {"metadata", "annotations", "kubectl.kubernetes.io/default-container"});
  if (named.is_string()) return named.get<std::string>();
  const json& containers = core::JsonAt(pod, {"spec", "containers"});
  if (containers.is_array() && !containers.empty() &&
      core::JsonMember(containers[0], "name").is_string()) {
    return containers[0]["name"].get<std::string>();
  }
  return "";
}

// The instance of the pod's containers that runs or ran: "uid/restarts", or
// "" while none has started (there is no log to read yet).
std::string InstanceKey(const json& pod) {
  const json& statuses = core::JsonAt(pod, {"status", "containerStatuses"});
  if (!statuses.is_array()) return "";
  int64_t restarts = -1;
  for (const json& status : statuses) {
    const json& state = core::JsonMember(status, "state");
    const bool started = core::JsonMember(state, "running").is_object() ||
                         core::JsonMember(state, "terminated").is_object();
    if (!started) continue;
    const json& count = core::JsonMember(status, "restartCount");
    restarts = std::max<int64_t>(restarts, count.is_number_integer() ? count.get<int64_t>() : 0);
  }
  if (restarts < 0) return "";
  const json& uid = core::JsonAt(pod, {"metadata", "uid"});
  return core::StrCat(uid.is_string() ? uid.get<std::string>() : "", "/", restarts);
}

std::string Cut(std::string_view text) {
  if (text.size() <= kShownLine) return std::string(text);
  return core::StrCat(text.substr(0, kShownLine), "...");
}

}  // namespace

PodLogWatch::PodLogWatch(kube::RestClient* client, core::WaitableClock* clock, PodLogSource source,
                         std::regex pattern, size_t max_pods, std::function<void()> on_change,
                         core::Logger logger)
    : client_(client),
      clock_(clock),
      source_(std::move(source)),
      pattern_(std::move(pattern)),
      max_pods_(max_pods),
      on_change_(std::move(on_change)),
      logger_(std::move(logger)),
      informer_(client, clock, PodsOf(source_), logger_) {
  auto seen = [this](const json& pod) { OnPod(pod); };
  informer_.AddEventHandlers(
      {.on_add = seen, .on_update = [this](const json&, const json& pod) { OnPod(pod); }});
}

PodLogWatch::~PodLogWatch() { Stop(); }

absl::Status PodLogWatch::Start(absl::Time deadline) {
  informer_.Start();
  if (!informer_.WaitForCacheSync(std::max(deadline - clock_->Now(), absl::ZeroDuration()))) {
    return absl::DeadlineExceededError(core::StrCat(
        "could not list the pods of namespace ", source_.namespace_name,
        " before the stage's timeout: is the API server reachable, and the selector valid?"));
  }
  return absl::OkStatus();
}

void PodLogWatch::Stop() {
  informer_.Stop();  // no new follows after this
  std::map<std::string, std::unique_ptr<Follower>> followers;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    followers.swap(followers_);
  }
  for (auto& [key, follower] : followers) {
    if (follower != nullptr) follower->cancel.Cancel();
  }
  for (auto& [key, follower] : followers) {
    if (follower != nullptr && follower->thread.joinable()) follower->thread.join();
  }
}

void PodLogWatch::OnPod(const json& pod) {
  const std::string key = InstanceKey(pod);
  if (key.empty()) return;
  const std::string name = core::JsonAt(pod, {"metadata", "name"}).get<std::string>();
  const std::string container =
      source_.container.empty() ? DefaultContainer(pod) : source_.container;
  std::lock_guard lock(mu_);
  if (stopping_ || match_ || followers_.contains(key)) return;
  // A crash-looping pod makes a new instance per restart: finished followers
  // give back their threads, keeping only their keys (never followed twice).
  size_t active = 0;
  for (auto& [instance, follower] : followers_) {
    if (follower == nullptr) continue;
    if (!follower->done) {
      ++active;
      continue;
    }
    follower->thread.join();  // done is its last step: it returns at once
    follower.reset();
  }
  if (active >= max_pods_) {
    skipped_.insert(key);
    return;
  }
  skipped_.erase(key);
  auto follower = std::make_unique<Follower>();
  follower->pod = name;
  Follower* started = follower.get();
  followers_.emplace(key, std::move(follower));
  started->thread = std::thread([this, started, container] { Follow(started, container); });
}

void PodLogWatch::Follow(Follower* follower, std::string container) {
  kube::PodLogOptions options;
  options.container = std::move(container);
  options.follow = true;
  options.tail_lines = source_.tail_lines;
  options.cancel = &follower->cancel;
  absl::Duration retry = kFirstRetry;
  while (!follower->cancel.cancelled()) {
    const absl::Status status =
        kube::StreamPodLog(*client_, source_.namespace_name, follower->pod, options,
                           [&](std::string_view line) { return OnLine(follower->pod, line); });
    if (follower->cancel.cancelled()) break;
    if (status.ok() || kube::apierrors::IsNotFound(status)) break;  // ended, or the pod is gone
    {
      std::lock_guard lock(mu_);
      problems_[follower->pod] = std::string(status.message());
    }
    Changed();
    // Not started yet, a broken connection, a wrong container name: try
    // again; lines read twice after a reconnect change nothing.
    if (!follower->cancel.WaitUntil(clock_, clock_->Now() + retry)) break;
    retry = std::min(retry * 2, kLastRetry);
  }
  follower->done = true;
}

bool PodLogWatch::OnLine(const std::string& pod, std::string_view line) {
  // libstdc++'s matcher recurses per character; a bounded prefix keeps a
  // pattern like ".*x" on a 64 KiB line from overflowing the thread's stack.
  const std::string_view searched = line.substr(0, kSearchedLineBytes);
  const bool matched = std::regex_search(searched.begin(), searched.end(), pattern_);
  {
    std::lock_guard lock(mu_);
    problems_.erase(pod);
    if (!matched) return !match_.has_value();
    if (!match_) match_ = Match{pod, std::string(line)};
  }
  Changed();
  return false;
}

void PodLogWatch::Changed() {
  if (on_change_) on_change_();
}

WatchVerdict PodLogWatch::Verdict() const {
  std::lock_guard lock(mu_);
  if (match_) {
    return {true, core::StrCat("pod ", source_.namespace_name, "/", match_->pod, " logged \"",
                               Cut(match_->line), "\"")};
  }
  std::string detail = core::StrCat("no line matching /", source_.pattern, "/ yet in ");
  if (!source_.pod.empty()) {
    core::StrAppend(&detail, "the log of pod ", source_.namespace_name, "/", source_.pod,
                    followers_.empty() ? " (not running)" : "");
  } else {
    core::StrAppend(&detail, "the logs of ", followers_.size(), " pod container(s) matching \"",
                    source_.label_selector, "\" in ", source_.namespace_name);
  }
  if (!skipped_.empty()) {
    core::StrAppend(&detail, "; ", skipped_.size(), " more not followed (over the limit of ",
                    max_pods_, " at once)");
  }
  if (!problems_.empty()) {
    core::StrAppend(&detail, "; pod ", problems_.begin()->first, ": ", problems_.begin()->second);
  }
  return {false, detail};
}

}  // namespace nvsx::op
