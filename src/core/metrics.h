#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nvsx::core {

// Monotonic count. Thread-safe.
class Counter {
 public:
  // `by` must be >= 0; a negative increment is ignored, as counters never go down.
  void Increment(double by = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down. Thread-safe.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending, +Inf implied). Thread-safe.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Take() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; last is +Inf
  std::atomic<double> sum_{0};
};

// Upper bounds start, start*factor, ... (`count` of them).
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// 1 ms .. ~16 s, for request and phase latencies in seconds.
std::vector<double> DefaultLatencyBuckets();

// One metric name with its help, type and label names; children per label values.
class MetricFamilyBase {
 public:
  virtual ~MetricFamilyBase() = default;
  const std::string& name() const { return name_; }
  // Appends this family in the Prometheus text exposition format.
  virtual void RenderInto(std::string& out) const = 0;

 protected:
  MetricFamilyBase(std::string name, std::string help, std::string type,
                   std::vector<std::string> label_names);
  absl::Status CheckLabelCount(const std::vector<std::string>& values) const;
  void RenderHeader(std::string& out) const;
  // `{a="x",b="y"}` with an optional extra label (for histogram buckets' le).
  std::string RenderLabels(const std::vector<std::string>& values, const std::string& extra_name,
                           const std::string& extra_value) const;

  std::string name_;
  std::string help_;
  std::string type_;
  std::vector<std::string> label_names_;
};

template <typename Metric>
class MetricFamily : public MetricFamilyBase {
 public:
  // The child for these label values (created on first use). The pointer stays
  // valid as long as the registry; callers may keep it. Fails when the number
  // of values differs from the family's label names.
  absl::StatusOr<Metric*> WithLabels(const std::vector<std::string>& values);

 protected:
  using MetricFamilyBase::MetricFamilyBase;
  virtual std::unique_ptr<Metric> NewMetric() const = 0;

  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

class CounterFamily final : public MetricFamily<Counter> {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void RenderInto(std::string& out) const override;

 private:
  std::unique_ptr<Counter> NewMetric() const override { return std::make_unique<Counter>(); }
};

class GaugeFamily final : public MetricFamily<Gauge> {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void RenderInto(std::string& out) const override;

 private:
  std::unique_ptr<Gauge> NewMetric() const override { return std::make_unique<Gauge>(); }
};

class HistogramFamily final : public MetricFamily<Histogram> {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);
  void RenderInto(std::string& out) const override;

 private:
  std::unique_ptr<Histogram> NewMetric() const override {
    return std::make_unique<Histogram>(bounds_);
  }
  std::vector<double> bounds_;
};

// The metrics of one program, rendered for /metrics. Names and label names are
// validated at registration: Prometheus syntax, counters end in "_total", help
// text is required, a name is registered once, histogram bounds ascend.
class MetricsRegistry {
 public:
  absl::StatusOr<CounterFamily*> AddCounter(std::string name, std::string help,
                                            std::vector<std::string> label_names = {});
  absl::StatusOr<GaugeFamily*> AddGauge(std::string name, std::string help,
                                        std::vector<std::string> label_names = {});
  absl::StatusOr<HistogramFamily*> AddHistogram(std::string name, std::string help,
                                                std::vector<std::string> label_names,
                                                std::vector<double> bounds);

  // Every family in registration order, in the text exposition format (version 0.0.4).
  std::string Render() const;

  static constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

 private:
  absl::Status Validate(const std::string& name, const std::string& help,
                        const std::vector<std::string>& label_names) const;

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<MetricFamilyBase>> families_;
};

// Formats a sample value as Prometheus reads it ("1", "0.25", "+Inf", "NaN").
std::string FormatMetricValue(double value);

}  // namespace nvsx::core
