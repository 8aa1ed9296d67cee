#include "controller/circuit_breaker.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "controller/names.h"
#include "controller/quarantine_record.h"
#include "core/duration.h"
#include "core/str_cat.h"
#include "kube/types/json_fields.h"
#include "kube/types/node.h"

namespace nvsx::controller {

namespace {

constexpr char kGpuNodeIndex[] = "gpuNode";
constexpr char kQuarantinedSinceIndex[] = "quarantinedSince";
// The index files a quarantined node under the start of its record in Unix
// milliseconds, or under this when the record has no readable start.
constexpr char kSinceUnknown[] = "unknown";

bool IsGpuNode(const nlohmann::json& node) {
  const nlohmann::json* present =
      kube::FieldAt(node, {"metadata", "labels", kube::kGpuPresentLabel});
  return present != nullptr && present->is_string() && present->get<std::string>() == "true";
}

}  // namespace

kube::Indexers BreakerIndexers() {
  return {{kGpuNodeIndex,
           [](const nlohmann::json& node) -> std::vector<std::string> {
             if (!IsGpuNode(node)) return {};
             return {"true"};
           }},
          {kQuarantinedSinceIndex, [](const nlohmann::json& node) -> std::vector<std::string> {
             if (!IsGpuNode(node)) return {};
             if (kube::FieldAt(node, {"metadata", "annotations", kQuarantinedByAnnotation}) ==
                 nullptr) {
               return {};
             }
             const nlohmann::json* at =
                 kube::FieldAt(node, {"metadata", "annotations", kQuarantinedAtAnnotation});
             if (at == nullptr || !at->is_string()) return {kSinceUnknown};
             // Parsed here, once per node change, not once per admission.
             const std::optional<absl::Time> since = kube::ParseTimestamp(at->get<std::string>());
             if (!since) return {kSinceUnknown};
             return {std::to_string(absl::ToUnixMillis(*since))};
           }}};
}

BreakerInputs BreakerInputs::FromNodes(const std::vector<kube::ObjectPtr>& nodes) {
  BreakerInputs inputs;
  for (const kube::ObjectPtr& object : nodes) {
    const kube::Node node(object);
    if (!node.GpuPresent()) continue;
    ++inputs.gpu_nodes;
    const QuarantineRecord record = QuarantineRecord::FromNode(node);
    if (record.present) inputs.quarantined[node.metadata().name()] = record.since;
  }
  return inputs;
}

BreakerInputs BreakerInputs::FromIndexedNodes(const kube::IndexedCache& nodes) {
  BreakerInputs inputs;
  if (auto gpu = nodes.IndexCount(kGpuNodeIndex, "true"); gpu.ok()) {
    inputs.gpu_nodes = static_cast<int>(*gpu);
  }
  for (const std::string& since : nodes.IndexValues(kQuarantinedSinceIndex)) {
    absl::StatusOr<std::vector<std::string>> names = nodes.IndexKeys(kQuarantinedSinceIndex, since);
    if (!names.ok()) continue;
    std::optional<absl::Time> at;
    if (int64_t millis = 0; absl::SimpleAtoi(since, &millis)) at = absl::FromUnixMillis(millis);
    for (const std::string& name : *names) inputs.quarantined[name] = at;
  }
  return inputs;
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, const core::Clock* clock)
    : options_(options), clock_(clock) {}

BreakerVerdict CircuitBreaker::EvaluateLocked(const BreakerInputs& inputs, absl::Time now) {
  const absl::Time window_start = now - options_.window;
  std::erase_if(admitted_, [&](const auto& entry) { return entry.second < window_start; });
  std::map<std::string, absl::Time> in_window;
  BreakerVerdict verdict;
  verdict.gpu_nodes = inputs.gpu_nodes;
  for (const auto& [name, since] : inputs.quarantined) {
    // The node shows its record: from now on the node itself is the truth,
    // so a quarantine that recovery lifts stops counting.
    admitted_.erase(name);
    if (since && *since >= window_start) in_window[name] = *since;
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
  return TryAdmit(node, BreakerInputs::FromNodes(nodes));
}

BreakerVerdict CircuitBreaker::TryAdmit(const std::string& node, const BreakerInputs& inputs) {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = clock_->Now();
  BreakerVerdict verdict = EvaluateLocked(inputs, now);
  if (verdict.allowed) admitted_[node] = now;
  return verdict;
}

void CircuitBreaker::Release(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  admitted_.erase(node);
}

BreakerVerdict CircuitBreaker::Evaluate(const std::vector<kube::ObjectPtr>& nodes) {
  return Evaluate(BreakerInputs::FromNodes(nodes));
}

BreakerVerdict CircuitBreaker::Evaluate(const BreakerInputs& inputs) {
  std::lock_guard<std::mutex> lock(mu_);
  return EvaluateLocked(inputs, clock_->Now());
}

}  // namespace nvsx::controller
