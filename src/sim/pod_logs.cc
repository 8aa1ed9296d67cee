#include "sim/pod_logs.h"

#include <algorithm>
#include <chrono>

#include "core/str_cat.h"

namespace nvsx::sim {

struct PodLogs::Instance {
  std::deque<LogLine> lines;
  uint64_t first = 0;  // sequence number of lines.front()
  size_t bytes = 0;
  bool ended = false;
  std::optional<ScheduledLine> schedule;
  int64_t scheduled = 0;                             // scheduled lines made so far
  absl::Time schedule_end = absl::InfiniteFuture();  // none due after this

  uint64_t end() const { return first + lines.size(); }
  // When the next scheduled line is due; InfiniteFuture when none is.
  absl::Time NextDue() const {
    if (!schedule || ended) return absl::InfiniteFuture();
    const absl::Time due = schedule->first + schedule->every * scheduled;
    return due <= schedule_end ? due : absl::InfiniteFuture();
  }
};

namespace {

std::string PodPath(const std::string& namespace_name, const std::string& name) {
  return core::StrCat(namespace_name, "/", name);
}

}  // namespace

PodLogs::PodLogs(const core::Clock* clock, PodLogsOptions options)
    : clock_(clock), options_(options) {}

PodLogs::PodEntry& PodLogs::EntryLocked(const PodLogKey& pod) {
  PodEntry& entry = pods_[PodPath(pod.namespace_name, pod.name)];
  if (entry.uid != pod.uid) {
    for (auto* instances : {&entry.current, &entry.previous}) {
      for (auto& [container, instance] : *instances) EndLocked(*instance);
    }
    entry = PodEntry{pod.uid, {}, {}};
  }
  return entry;
}

PodLogs::Instance* PodLogs::RunningLocked(const PodLogKey& pod, const std::string& container) {
  auto entry = pods_.find(PodPath(pod.namespace_name, pod.name));
  if (entry == pods_.end() || entry->second.uid != pod.uid) return nullptr;
  auto instance = entry->second.current.find(container);
  if (instance == entry->second.current.end() || instance->second->ended) return nullptr;
  return instance->second.get();
}

void PodLogs::CatchUpLocked(Instance& instance, absl::Time until) {
  if (!instance.schedule || instance.ended) return;
  const ScheduledLine& schedule = *instance.schedule;
  until = std::min(until, instance.schedule_end);
  if (until < schedule.first || schedule.every <= absl::ZeroDuration()) return;
  absl::Duration remainder;  // this abseil's IDivDuration writes it unconditionally
  const int64_t due = absl::IDivDuration(until - schedule.first, schedule.every, &remainder) + 1;
  // Lines the bound would drop at once are never made.
  instance.scheduled = std::max(instance.scheduled, due - static_cast<int64_t>(options_.max_lines));
  for (; instance.scheduled < due; ++instance.scheduled) {
    PushLocked(instance, schedule.first + schedule.every * instance.scheduled,
               schedule.text(instance.scheduled + 1));
  }
}

void PodLogs::PushLocked(Instance& instance, absl::Time at, std::string text) {
  instance.bytes += text.size() + 1;
  instance.lines.push_back({at, std::move(text)});
  while (instance.lines.size() > options_.max_lines ||
         (instance.bytes > options_.max_bytes && instance.lines.size() > 1)) {
    instance.bytes -= instance.lines.front().text.size() + 1;
    instance.lines.pop_front();
    ++instance.first;
  }
}

void PodLogs::EndLocked(Instance& instance) {
  if (instance.ended) return;
  CatchUpLocked(instance, clock_->Now());
  instance.ended = true;
}

void PodLogs::StartContainer(const PodLogKey& pod, const std::string& container, absl::Time at,
                             const std::vector<std::string>& first_lines,
                             std::optional<ScheduledLine> schedule) {
  std::lock_guard lock(mu_);
  PodEntry& entry = EntryLocked(pod);
  auto instance = std::make_shared<Instance>();
  for (const std::string& line : first_lines) PushLocked(*instance, at, line);
  instance->schedule = std::move(schedule);
  auto& current = entry.current[container];
  if (current != nullptr) {
    EndLocked(*current);
    entry.previous[container] = std::move(current);
  }
  current = std::move(instance);
  changed_.notify_all();
}

void PodLogs::Append(const PodLogKey& pod, const std::string& container, absl::Time at,
                     const std::vector<std::string>& lines) {
  std::lock_guard lock(mu_);
  Instance* instance = RunningLocked(pod, container);
  if (instance == nullptr) return;
  CatchUpLocked(*instance, at);
  for (const std::string& line : lines) PushLocked(*instance, at, line);
  changed_.notify_all();
}

void PodLogs::StopSchedule(const PodLogKey& pod, const std::string& container, absl::Time at,
                           const std::vector<std::string>& last_lines) {
  std::lock_guard lock(mu_);
  Instance* instance = RunningLocked(pod, container);
  if (instance == nullptr) return;
  CatchUpLocked(*instance, at);
  instance->schedule_end = std::min(instance->schedule_end, at);
  for (const std::string& line : last_lines) PushLocked(*instance, at, line);
  changed_.notify_all();
}

void PodLogs::EndContainer(const PodLogKey& pod, const std::string& container) {
  std::lock_guard lock(mu_);
  Instance* instance = RunningLocked(pod, container);
  if (instance == nullptr) return;
  EndLocked(*instance);
  changed_.notify_all();
}

void PodLogs::RemovePod(const std::string& namespace_name, const std::string& name) {
  std::lock_guard lock(mu_);
  auto entry = pods_.find(PodPath(namespace_name, name));
  if (entry == pods_.end()) return;
  for (auto* instances : {&entry->second.current, &entry->second.previous}) {
    for (auto& [container, instance] : *instances) EndLocked(*instance);
  }
  pods_.erase(entry);
  changed_.notify_all();
}

absl::StatusOr<PodLogs::Cursor> PodLogs::Open(const PodLogKey& pod, const std::string& container,
                                              bool previous, std::optional<int64_t> tail_lines,
                                              std::optional<absl::Time> since) {
  std::lock_guard lock(mu_);
  auto entry = pods_.find(PodPath(pod.namespace_name, pod.name));
  std::shared_ptr<Instance> instance;
  if (entry != pods_.end() && entry->second.uid == pod.uid) {
    const auto& instances = previous ? entry->second.previous : entry->second.current;
    if (auto found = instances.find(container); found != instances.end()) instance = found->second;
  }
  if (instance == nullptr) {
    return absl::NotFoundError(core::StrCat("no ", previous ? "previous " : "", "instance of ",
                                            container, " in ", pod.namespace_name, "/", pod.name));
  }
  CatchUpLocked(*instance, clock_->Now());
  uint64_t start = instance->first;
  if (since) {
    while (start < instance->end() && instance->lines[start - instance->first].time < *since) {
      ++start;
    }
  }
  if (tail_lines) {
    const uint64_t tail = static_cast<uint64_t>(std::max<int64_t>(*tail_lines, 0));
    if (instance->end() - start > tail) start = instance->end() - tail;
  }
  return Cursor{std::move(instance), start};
}

std::vector<LogLine> PodLogs::Read(Cursor& cursor, absl::Duration wait, bool* ended) {
  *ended = false;
  std::vector<LogLine> out;
  if (cursor.instance == nullptr) {
    *ended = true;
    return out;
  }
  Instance& instance = *cursor.instance;
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(wait);
  std::unique_lock lock(mu_);
  while (true) {
    CatchUpLocked(instance, clock_->Now());
    cursor.next = std::max(cursor.next, instance.first);  // lines dropped meanwhile are gone
    for (; cursor.next < instance.end(); ++cursor.next) {
      out.push_back(instance.lines[cursor.next - instance.first]);
    }
    if (!out.empty()) return out;
    if (instance.ended) {
      *ended = true;
      return out;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return out;
    auto until = deadline;
    if (const absl::Time due = instance.NextDue(); due != absl::InfiniteFuture()) {
      const absl::Duration in = std::max(due - clock_->Now(), absl::ZeroDuration());
      until = std::min(until, now + absl::ToChronoNanoseconds(in));
    }
    changed_.wait_until(lock, until);
  }
}

}  // namespace nvsx::sim
