#include "kubelet/metrics/registry.h"

#include "kubelet/metrics/text_format.h"

#include <algorithm>
#include <stdexcept>

namespace hostlet::metrics {

void Counter::Increment(double by) {
  if (by < 0) throw std::invalid_argument("a counter cannot be decreased");
  value_.fetch_add(by);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end()) {
    throw std::invalid_argument("histogram bucket bounds must increase");
  }
}

void Histogram::Observe(double value) {
  // The first bucket whose bound is at least the value (bounds are inclusive: le).
  size_t bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                      bounds_.begin());
  std::lock_guard lock(mutex_);
  ++counts_[bucket];
  sum_ += value;
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.bounds = bounds_;
  std::lock_guard lock(mutex_);
  std::uint64_t running = 0;
  for (auto count : counts_) {
    running += count;
    snapshot.cumulative.push_back(running);
  }
  snapshot.sum = sum_;
  return snapshot;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  if (start <= 0 || factor <= 1 || count < 1) {
    throw std::invalid_argument("exponential buckets need start > 0, factor > 1, count >= 1");
  }
  std::vector<double> bounds;
  for (int i = 0; i < count; ++i, start *= factor) bounds.push_back(start);
  return bounds;
}

std::vector<double> DefaultBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

FamilyBase::FamilyBase(std::string name, std::string help, std::string type,
                       std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(std::move(type)),
      label_names_(std::move(label_names)) {
  if (!ValidMetricName(name_)) throw std::invalid_argument("bad metric name \"" + name_ + "\"");
  for (const auto& label : label_names_) {
    if (!ValidLabelName(label) || (type_ == "histogram" && label == "le")) {
      throw std::invalid_argument("bad label name \"" + label + "\" for " + name_);
    }
  }
}

void FamilyBase::CheckArity(const LabelValues& values) const {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument(name_ + " takes " + std::to_string(label_names_.size()) +
                                " label values, got " + std::to_string(values.size()));
  }
}

std::string FamilyBase::LabelText(const LabelValues& values, const std::string& extra_name,
                                  const std::string& extra_value) const {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) {
    text +=
        (text.empty() ? "" : ",") + label_names_[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    text += (text.empty() ? "" : ",") + extra_name + "=\"" + EscapeLabelValue(extra_value) + "\"";
  }
  return text.empty() ? "" : "{" + text + "}";
}

namespace {

// " <millis>" for a stamped sample, else nothing.
std::string StampText(const Stamped& sample) {
  return sample.stamp() != 0 ? " " + std::to_string(sample.stamp()) : "";
}

}  // namespace

std::string FamilyBase::Header() const {
  return "# HELP " + name_ + " " + EscapeHelp(help_) + "\n# TYPE " + name_ + " " + type_ + "\n";
}

template <>
void Family<Counter>::Render(std::string* out) const {
  *out += Header();
  std::lock_guard lock(mutex_);
  for (const auto& [values, counter] : series_) {
    *out += name_ + LabelText(values) + " " + FormatNumber(counter->value()) + StampText(*counter) +
            "\n";
  }
}

template <>
void Family<Gauge>::Render(std::string* out) const {
  *out += Header();
  std::lock_guard lock(mutex_);
  for (const auto& [values, gauge] : series_) {
    *out +=
        name_ + LabelText(values) + " " + FormatNumber(gauge->value()) + StampText(*gauge) + "\n";
  }
}

template <>
void Family<Histogram>::Render(std::string* out) const {
  *out += Header();
  std::lock_guard lock(mutex_);
  for (const auto& [values, histogram] : series_) {
    auto snapshot = histogram->snapshot();
    for (size_t i = 0; i < snapshot.cumulative.size(); ++i) {
      std::string bound = i < snapshot.bounds.size() ? FormatNumber(snapshot.bounds[i]) : "+Inf";
      *out += name_ + "_bucket" + LabelText(values, "le", bound) + " " +
              std::to_string(snapshot.cumulative[i]) + "\n";
    }
    *out += name_ + "_sum" + LabelText(values) + " " + FormatNumber(snapshot.sum) + "\n";
    *out += name_ + "_count" + LabelText(values) + " " +
            std::to_string(snapshot.cumulative.back()) + "\n";
  }
}

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names) {
  auto family = std::make_unique<Family<Counter>>(name, help, "counter", std::move(label_names),
                                                  [] { return std::make_unique<Counter>(); });
  auto& result = *family;
  Register(std::move(family));
  return result;
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names) {
  auto family = std::make_unique<Family<Gauge>>(name, help, "gauge", std::move(label_names),
                                                [] { return std::make_unique<Gauge>(); });
  auto& result = *family;
  Register(std::move(family));
  return result;
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  Histogram check(bounds);  // malformed bounds fail here, not at the first observation
  auto family =
      std::make_unique<Family<Histogram>>(name, help, "histogram", std::move(label_names),
                                          [bounds] { return std::make_unique<Histogram>(bounds); });
  auto& result = *family;
  Register(std::move(family));
  return result;
}

void Registry::Register(std::unique_ptr<FamilyBase> family) {
  std::lock_guard lock(mutex_);
  for (const auto& existing : families_) {
    if (existing->name() == family->name()) {
      throw std::invalid_argument("metric " + family->name() + " is already registered");
    }
  }
  families_.push_back(std::move(family));
}

void Registry::AddCollector(std::function<void()> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Registry::Render() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  // Outside the lock: a collector may register nothing but does set gauges of this registry.
  for (const auto& collect : collectors) collect();
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) family->Render(&out);
  return out;
}

}  // namespace hostlet::metrics
