#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/clock.h"
#include "kube/indexed_cache.h"

namespace nvsx::controller {

struct CircuitBreakerOptions {
  bool enabled = true;
  // New quarantines stop once this share of GPU nodes (label
  // nvidia.com/gpu.present=true) ...
  double max_share = 0.5;
  // ... or this many nodes (0: no absolute cap) were quarantined within the
  // window. The limit is never below one node, so a small cluster can still
  // quarantine its first faulty node.
  int max_nodes = 0;
  absl::Duration window = absl::Minutes(5);
};

// GPU nodes whose quarantine began within a window, and the earliest start.
struct WindowCount {
  int nodes = 0;
  absl::Time earliest = absl::InfiniteFuture();
};

// What the breaker reads of the cluster when it decides: how many GPU nodes
// there are, and the GPU nodes that carry our quarantine record, with when
// it began. Read under the breaker's lock, so it must not call the breaker.
class BreakerView {
 public:
  virtual ~BreakerView() = default;
  virtual int GpuNodes() const = 0;
  // The GPU nodes whose record began at or after `start` (a record without a
  // readable start is in no window).
  virtual WindowCount QuarantinedSince(absl::Time start) const = 0;
  // Whether GPU node `node` carries our record.
  virtual bool ShowsRecord(const std::string& node) const = 0;
};

// The breaker's view as a value: node name -> when its record began.
struct BreakerInputs : BreakerView {
  int gpu_nodes = 0;
  std::map<std::string, std::optional<absl::Time>> quarantined;

  // From a list of Nodes (decodes each one).
  static BreakerInputs FromNodes(const std::vector<kube::ObjectPtr>& nodes);
  // From a Node cache indexed by BreakerIndexers() (copies every quarantined
  // node's name: the breaker itself reads the cache through IndexedNodesView).
  static BreakerInputs FromIndexedNodes(const kube::IndexedCache& nodes);

  int GpuNodes() const override { return gpu_nodes; }
  WindowCount QuarantinedSince(absl::Time start) const override;
  bool ShowsRecord(const std::string& node) const override { return quarantined.contains(node); }
};

// The breaker's view of a Node cache indexed by BreakerIndexers(), read in
// place: the breaker is asked once per quarantine, and a burst of hundreds
// of quarantines in a cluster of thousands of nodes must neither decode nor
// copy them all each time. `nodes` must outlive the view.
class IndexedNodesView : public BreakerView {
 public:
  explicit IndexedNodesView(const kube::IndexedCache* nodes) : nodes_(nodes) {}

  int GpuNodes() const override;
  WindowCount QuarantinedSince(absl::Time start) const override;
  bool ShowsRecord(const std::string& node) const override;

 private:
  const kube::IndexedCache* const nodes_;
};

// The Node cache indexes IndexedNodesView reads: GPU nodes; GPU nodes with
// a quarantine record by the time it began; and those by name.
kube::Indexers BreakerIndexers();

struct BreakerVerdict {
  bool allowed = true;
  int quarantined = 0;  // GPU nodes quarantined within the window
  int limit = 0;        // how many the window may hold
  int gpu_nodes = 0;
  // When the oldest quarantine in the window leaves it (the breaker may reset
  // then); InfinitePast when the window is empty.
  absl::Time next_expiry = absl::InfinitePast();
  std::string message;  // "2 of 4 GPU nodes quarantined in the last 5m (limit 2)"
};

// Caps how many GPU nodes quarantine may take out within a sliding window.
// The count is read from the nodes themselves (our quarantined-at
// annotation), so it survives restarts and every replica agrees, and a node
// whose record is lifted (recovery) stops counting. Nodes this process
// admitted but whose record the cache does not show yet are counted too, so
// concurrent workers cannot overshoot the limit together.
class CircuitBreaker {
 public:
  // `clock` must outlive the breaker.
  CircuitBreaker(CircuitBreakerOptions options, const core::Clock* clock);

  // Admits a quarantine of `node` (one not yet quarantined) when the window,
  // counting it, stays within the limit; an admitted node counts at once.
  // `nodes` is the current list of Nodes. Thread-safe.
  BreakerVerdict TryAdmit(const std::string& node, const std::vector<kube::ObjectPtr>& nodes);
  BreakerVerdict TryAdmit(const std::string& node, const BreakerView& cluster);
  // Forgets an admission whose quarantine was not written.
  void Release(const std::string& node);
  // The state now, without admitting anything (for metrics and status).
  BreakerVerdict Evaluate(const std::vector<kube::ObjectPtr>& nodes);
  BreakerVerdict Evaluate(const BreakerView& cluster);

  const CircuitBreakerOptions& options() const { return options_; }

 private:
  BreakerVerdict EvaluateLocked(const BreakerView& cluster, absl::Time now);

  const CircuitBreakerOptions options_;
  const core::Clock* const clock_;
  std::mutex mu_;
  std::map<std::string, absl::Time> admitted_;  // node -> when this process admitted it
};

}  // namespace nvsx::controller
