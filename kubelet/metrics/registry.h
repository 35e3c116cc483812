// Metrics the agent exposes at /metrics: counters, gauges and histograms, each in a family of
// series told apart by label values, rendered in the Prometheus text format 0.0.4. (Debian
// packages no Prometheus client library for C++, hence this small one.) Every member of every
// class here may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hostlet::metrics {

// Values in the order of the family's label names.
using LabelValues = std::vector<std::string>;

// When a value was read, for one copied from elsewhere (a cgroup the runtime read): rendered as
// the sample's timestamp, in milliseconds since the epoch, so that a scraper computes rates from
// the reading times rather than from its scrape times. Unset (0), no timestamp is rendered.
class Stamped {
 public:
  void Stamp(std::int64_t millis) { millis_.store(millis); }
  std::int64_t stamp() const { return millis_.load(); }

 private:
  std::atomic<std::int64_t> millis_{0};
};

class Counter : public Stamped {
 public:
  // Throws std::invalid_argument for a negative amount: counters only go up.
  void Increment(double by = 1);
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Gauge : public Stamped {
 public:
  void Set(double value) { value_.store(value); }
  void Add(double by) { value_.fetch_add(by); }
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, increasing; +Inf is always added.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // per bound, then one for +Inf (= count)
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> counts_;  // per bucket, the last one above every bound
  double sum_ = 0;
};

// Bucket bounds that grow by `factor`: start, start*factor, ... (`count` of them).
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// Prometheus' default bounds, 5 ms to 10 s.
std::vector<double> DefaultBuckets();

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::string type,
             std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  // Appends the family: HELP, TYPE and one line per sample.
  virtual void Render(std::string* out) const = 0;

 protected:
  void CheckArity(const LabelValues& values) const;
  // `{a="x",b="y"}` with `extra` (name, value) appended; "" without labels.
  std::string LabelText(const LabelValues& values, const std::string& extra_name = "",
                        const std::string& extra_value = "") const;
  std::string Header() const;

  const std::string name_, help_, type_;
  const std::vector<std::string> label_names_;
};

template <class Metric>
class Family : public FamilyBase {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;
  Family(std::string name, std::string help, std::string type, std::vector<std::string> label_names,
         Factory factory)
      : FamilyBase(std::move(name), std::move(help), std::move(type), std::move(label_names)),
        factory_(std::move(factory)) {}

  // The series with these label values, made on first use; the reference stays valid until
  // Clear. Throws std::invalid_argument when the number of values is not the number of names.
  Metric& With(const LabelValues& values = {}) {
    CheckArity(values);
    std::lock_guard lock(mutex_);
    auto& slot = series_[values];
    if (!slot) slot = factory_();
    return *slot;
  }
  // Forgets one series (its references from With become invalid): for things that are gone.
  void Remove(const LabelValues& values) {
    std::lock_guard lock(mutex_);
    series_.erase(values);
  }
  // Forgets every series: for gauges recomputed from scratch at each scrape.
  void Clear() {
    std::lock_guard lock(mutex_);
    series_.clear();
  }
  void Render(std::string* out) const override;

 private:
  Factory factory_;
  mutable std::mutex mutex_;
  std::map<LabelValues, std::unique_ptr<Metric>> series_;  // sorted: stable output
};

template <>
void Family<Counter>::Render(std::string* out) const;
template <>
void Family<Gauge>::Render(std::string* out) const;
template <>
void Family<Histogram>::Render(std::string* out) const;

class Registry {
 public:
  // Each throws std::invalid_argument for a malformed or already registered name, or a
  // malformed label name (and a histogram's "le").
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names, std::vector<double> bounds);
  // Run at the start of every Render, to set gauges that reflect the moment (pods running).
  void AddCollector(std::function<void()> collector);

  // Every family in the order registered.
  std::string Render() const;

 private:
  void Register(std::unique_ptr<FamilyBase> family);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::vector<std::function<void()>> collectors_;
};

}  // namespace hostlet::metrics
