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
constexpr char kQuarantinedNodeIndex[] = "quarantinedNode";
// The index files a quarantined node under the start of its record in Unix
// milliseconds, or under this when the record has no readable start.
constexpr char kSinceUnknown[] = "unknown";

bool IsGpuNode(const nlohmann::json& node) {
  const nlohmann::json* present =
      kube::FieldAt(node, {"metadata", "labels", kube::kGpuPresentLabel});
  return present != nullptr && present->is_string() && present->get<std::string>() == "true";
}

bool IsQuarantinedGpuNode(const nlohmann::json& node) {
  return IsGpuNode(node) &&
         kube::FieldAt(node, {"metadata", "annotations", kQuarantinedByAnnotation}) != nullptr;
}

// A value of the quarantinedSince index as a time; nullopt for kSinceUnknown.
std::optional<absl::Time> SinceOf(const std::string& value) {
  int64_t millis = 0;
  if (!absl::SimpleAtoi(value, &millis)) return std::nullopt;
  return absl::FromUnixMillis(millis);
}

void Count(WindowCount& count, absl::Time since, int nodes) {
  count.nodes += nodes;
  count.earliest = std::min(count.earliest, since);
}

}  // namespace

kube::Indexers BreakerIndexers() {
  return {{kGpuNodeIndex,
           [](const nlohmann::json& node) -> std::vector<std::string> {
             if (!IsGpuNode(node)) return {};
             return {"true"};
           }},
          {kQuarantinedNodeIndex,
           [](const nlohmann::json& node) -> std::vector<std::string> {
             if (!IsQuarantinedGpuNode(node)) return {};
             const nlohmann::json* name = kube::FieldAt(node, {"metadata", "name"});
             if (name == nullptr || !name->is_string()) return {};
             return {name->get<std::string>()};
           }},
          {kQuarantinedSinceIndex, [](const nlohmann::json& node) -> std::vector<std::string> {
             if (!IsQuarantinedGpuNode(node)) return {};
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
    const std::optional<absl::Time> at = SinceOf(since);
    for (const std::string& name : *names) inputs.quarantined[name] = at;
  }
  return inputs;
}

WindowCount BreakerInputs::QuarantinedSince(absl::Time start) const {
  WindowCount count;
  for (const auto& [name, since] : quarantined) {
    if (since && *since >= start) Count(count, *since, 1);
  }
  return count;
}

int IndexedNodesView::GpuNodes() const {
  absl::StatusOr<size_t> gpu = nodes_->IndexCount(kGpuNodeIndex, "true");
  return gpu.ok() ? static_cast<int>(*gpu) : 0;
}

WindowCount IndexedNodesView::QuarantinedSince(absl::Time start) const {
  WindowCount count;
  for (const std::string& value : nodes_->IndexValues(kQuarantinedSinceIndex)) {
    const std::optional<absl::Time> since = SinceOf(value);
    if (!since || *since < start) continue;
    absl::StatusOr<size_t> nodes = nodes_->IndexCount(kQuarantinedSinceIndex, value);
    if (nodes.ok()) Count(count, *since, static_cast<int>(*nodes));
  }
  return count;
}

bool IndexedNodesView::ShowsRecord(const std::string& node) const {
  absl::StatusOr<size_t> count = nodes_->IndexCount(kQuarantinedNodeIndex, node);
  return count.ok() && *count > 0;
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, const core::Clock* clock)
    : options_(options), clock_(clock) {}

BreakerVerdict CircuitBreaker::EvaluateLocked(const BreakerView& cluster, absl::Time now) {
  const absl::Time window_start = now - options_.window;
  // Once a node shows its record, the node itself is the truth, so a
  // quarantine that recovery lifts stops counting.
  std::erase_if(admitted_, [&](const auto& entry) {
    return entry.second < window_start || cluster.ShowsRecord(entry.first);
  });
  WindowCount in_window = cluster.QuarantinedSince(window_start);
  for (const auto& [name, admitted_at] : admitted_) Count(in_window, admitted_at, 1);
  BreakerVerdict verdict;
  verdict.gpu_nodes = cluster.GpuNodes();
  verdict.quarantined = in_window.nodes;
  int limit = static_cast<int>(std::floor(options_.max_share * verdict.gpu_nodes));
  if (options_.max_nodes > 0) limit = std::min(limit, options_.max_nodes);
  verdict.limit = std::max(1, limit);
  if (in_window.nodes > 0) verdict.next_expiry = in_window.earliest + options_.window;
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

BreakerVerdict CircuitBreaker::TryAdmit(const std::string& node, const BreakerView& cluster) {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = clock_->Now();
  BreakerVerdict verdict = EvaluateLocked(cluster, now);
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

BreakerVerdict CircuitBreaker::Evaluate(const BreakerView& cluster) {
  std::lock_guard<std::mutex> lock(mu_);
  return EvaluateLocked(cluster, clock_->Now());
}

}  // namespace nvsx::controller
