#include "core/metrics.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>

#include "core/str_cat.h"
#include "fmt/format.h"

namespace nvsx::core {
namespace {

bool IsValidMetricName(const std::string& name) {
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  return std::regex_match(name, kName);
}

bool IsValidLabelName(const std::string& name) {
  static const std::regex kLabel("[a-zA-Z_][a-zA-Z0-9_]*");
  return std::regex_match(name, kLabel) && name.rfind("__", 0) != 0;
}

// HELP text escapes backslash and newline; label values also escape the quote.
std::string Escape(const std::string& text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

void Counter::Increment(double by) {
  if (by < 0 || std::isnan(by)) return;
  value_.fetch_add(by, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double value) {
  // Buckets are "less than or equal to" their bound.
  size_t bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                      bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Take() const {
  Snapshot snapshot;
  snapshot.cumulative.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  // The count is the +Inf bucket, so the two always agree in one scrape.
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> bounds;
  double bound = start;
  for (int i = 0; i < count; ++i, bound *= factor) bounds.push_back(bound);
  return bounds;
}

std::vector<double> DefaultLatencyBuckets() { return ExponentialBuckets(0.001, 2, 15); }

MetricFamilyBase::MetricFamilyBase(std::string name, std::string help, std::string type,
                                   std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(std::move(type)),
      label_names_(std::move(label_names)) {}

absl::Status MetricFamilyBase::CheckLabelCount(const std::vector<std::string>& values) const {
  if (values.size() == label_names_.size()) return absl::OkStatus();
  return absl::InvalidArgumentError(StrCat("metric ", name_, " has ", label_names_.size(),
                                           " labels, got ", values.size(), " values"));
}

void MetricFamilyBase::RenderHeader(std::string& out) const {
  StrAppend(&out, "# HELP ", name_, " ", Escape(help_, false), "\n# TYPE ", name_, " ", type_,
            "\n");
}

std::string MetricFamilyBase::RenderLabels(const std::vector<std::string>& values,
                                           const std::string& extra_name,
                                           const std::string& extra_value) const {
  if (values.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ",";
    StrAppend(&out, label_names_[i], "=\"", Escape(values[i], true), "\"");
  }
  if (!extra_name.empty()) {
    if (!values.empty()) out += ",";
    StrAppend(&out, extra_name, "=\"", extra_value, "\"");
  }
  out += "}";
  return out;
}

template <typename Metric>
absl::StatusOr<Metric*> MetricFamily<Metric>::WithLabels(const std::vector<std::string>& values) {
  if (absl::Status status = CheckLabelCount(values); !status.ok()) return status;
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = children_.try_emplace(values);
  if (inserted) it->second = NewMetric();
  return it->second.get();
}

template class MetricFamily<Counter>;
template class MetricFamily<Gauge>;
template class MetricFamily<Histogram>;

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), "counter", std::move(label_names)) {}

void CounterFamily::RenderInto(std::string& out) const {
  RenderHeader(out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, counter] : children_) {
    StrAppend(&out, name_, RenderLabels(values, "", ""), " ", FormatMetricValue(counter->value()),
              "\n");
  }
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), "gauge", std::move(label_names)) {}

void GaugeFamily::RenderInto(std::string& out) const {
  RenderHeader(out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, gauge] : children_) {
    StrAppend(&out, name_, RenderLabels(values, "", ""), " ", FormatMetricValue(gauge->value()),
              "\n");
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds)
    : MetricFamily(std::move(name), std::move(help), "histogram", std::move(label_names)),
      bounds_(std::move(bounds)) {}

void HistogramFamily::RenderInto(std::string& out) const {
  RenderHeader(out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, histogram] : children_) {
    Histogram::Snapshot snapshot = histogram->Take();
    for (size_t i = 0; i < snapshot.cumulative.size(); ++i) {
      const std::string le =
          i < bounds_.size() ? FormatMetricValue(bounds_[i]) : std::string("+Inf");
      StrAppend(&out, name_, "_bucket", RenderLabels(values, "le", le), " ", snapshot.cumulative[i],
                "\n");
    }
    const std::string labels = RenderLabels(values, "", "");
    StrAppend(&out, name_, "_sum", labels, " ", FormatMetricValue(snapshot.sum), "\n");
    StrAppend(&out, name_, "_count", labels, " ", snapshot.count, "\n");
  }
}

absl::Status MetricsRegistry::Validate(const std::string& name, const std::string& help,
                                       const std::vector<std::string>& label_names) const {
  if (!IsValidMetricName(name)) {
    return absl::InvalidArgumentError(
        StrCat("invalid metric name \"", name,
               "\": use letters, digits, '_' and ':', not starting with a digit"));
  }
  if (help.empty())
    return absl::InvalidArgumentError(StrCat("metric ", name, ": help text is required"));
  std::set<std::string> seen;
  for (const std::string& label : label_names) {
    if (!IsValidLabelName(label) || label == "le" || label == "quantile") {
      return absl::InvalidArgumentError(StrCat("metric ", name, ": invalid label name \"", label,
                                               "\": use letters, digits and '_', not starting with "
                                               "'__'; 'le' and 'quantile' are reserved"));
    }
    if (!seen.insert(label).second) {
      return absl::InvalidArgumentError(
          StrCat("metric ", name, ": label \"", label, "\" appears twice"));
    }
  }
  for (const auto& family : families_) {
    if (family->name() == name) {
      return absl::AlreadyExistsError(StrCat("metric ", name, " is already registered"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CounterFamily*> MetricsRegistry::AddCounter(std::string name, std::string help,
                                                           std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status status = Validate(name, help, label_names); !status.ok()) return status;
  if (name.size() < 6 || name.compare(name.size() - 6, 6, "_total") != 0) {
    return absl::InvalidArgumentError(
        StrCat("counter ", name, ": counter names end in \"_total\""));
  }
  auto family =
      std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(label_names));
  CounterFamily* raw = family.get();
  families_.push_back(std::move(family));
  return raw;
}

absl::StatusOr<GaugeFamily*> MetricsRegistry::AddGauge(std::string name, std::string help,
                                                       std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status status = Validate(name, help, label_names); !status.ok()) return status;
  auto family =
      std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(label_names));
  GaugeFamily* raw = family.get();
  families_.push_back(std::move(family));
  return raw;
}

absl::StatusOr<HistogramFamily*> MetricsRegistry::AddHistogram(std::string name, std::string help,
                                                               std::vector<std::string> label_names,
                                                               std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status status = Validate(name, help, label_names); !status.ok()) return status;
  if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end() ||
      std::any_of(bounds.begin(), bounds.end(), [](double b) { return !std::isfinite(b); })) {
    return absl::InvalidArgumentError(StrCat(
        "histogram ", name, ": bucket bounds must be finite, strictly ascending and not empty"));
  }
  auto family = std::make_unique<HistogramFamily>(std::move(name), std::move(help),
                                                  std::move(label_names), std::move(bounds));
  HistogramFamily* raw = family.get();
  families_.push_back(std::move(family));
  return raw;
}

std::string MetricsRegistry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& family : families_) family->RenderInto(out);
  return out;
}

}  // namespace nvsx::core
