#include "controller/circuit_breaker.h"

#include <algorithm>
#include <cmath>

#include "controller/quarantine_record.h"
#include "core/duration.h"
#include "core/str_cat.h"
#include "kube/types/node.h"

namespace nvsx::controller {

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, const core::Clock* clock)
    : options_(options), clock_(clock) {}

BreakerVerdict CircuitBreaker::EvaluateLocked(const std::vector<kube::ObjectPtr>& nodes,
                                              absl::Time now) {
  const absl::Time window_start = now - options_.window;
  std::erase_if(admitted_, [&](const auto& entry) { return entry.second < window_start; });
  std::map<std::string, absl::Time> in_window;
  BreakerVerdict verdict;
  for (const kube::ObjectPtr& object : nodes) {
    const kube::Node node(object);
    if (!node.GpuPresent()) continue;
    ++verdict.gpu_nodes;
    const QuarantineRecord record = QuarantineRecord::FromNode(node);
    if (!record.present) continue;
    // The node shows its record: from now on the node itself is the truth,
    // so a quarantine that recovery lifts stops counting.
    const std::string name = node.metadata().name();
    admitted_.erase(name);
    if (record.since && *record.since >= window_start) in_window[name] = *record.since;
  }
  for (const auto& [name, admitted_at] : admitted_) in_window.emplace(name, admitted_at);
  verdict.quarantined = static_cast<int>(in_window.size());
  int limit = static_cast<int>(std::floor(options_.max_share * verdict.gpu_nodes));
  if (options_.max_nodes > 0) limit = std::min(limit, options_.max_nodes);
  verdict.limit = std::max(1, limit);
  for (const auto& [name, since] : in_window) {
    const absl::Time expiry = since + options_.window;
    if (verdict.next_expiry == absl::InfinitePast() || expiry < verdict.next_expiry) {
      verdict.next_expiry = expiry;
    }
  }
  verdict.allowed = !options_.enabled || verdict.quarantined < verdict.limit;
  verdict.message = core::StrCat(
      verdict.quarantined, " of ", verdict.gpu_nodes, " GPU nodes quarantined in the last ",
      core::DurationString(options_.window), " (limit ", verdict.limit, ")");
  return verdict;
}

BreakerVerdict CircuitBreaker::TryAdmit(const std::string& node,
                                        const std::vector<kube::ObjectPtr>& nodes) {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = clock_->Now();
  BreakerVerdict verdict = EvaluateLocked(nodes, now);
  if (verdict.allowed) admitted_[node] = now;
  return verdict;
}

void CircuitBreaker::Release(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  admitted_.erase(node);
}

BreakerVerdict CircuitBreaker::Evaluate(const std::vector<kube::ObjectPtr>& nodes) {
  std::lock_guard<std::mutex> lock(mu_);
  return EvaluateLocked(nodes, clock_->Now());
}

}  // namespace nvsx::controller
