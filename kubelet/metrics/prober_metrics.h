// The upstream kubelet's probe metrics, served apart at /metrics/probes as it serves them (the
// scrape configurations made for the kubelet read them there): prober_probe_total counts every
// probe by result, prober_probe_duration_seconds times them.
#pragma once

#include "kubelet/metrics/registry.h"

#include <string>

namespace hostlet::metrics {

// Which probe: probe_type is "Liveness", "Readiness" or "Startup".
struct ProbeLabels {
  std::string probe_type, container, pod, ns, pod_uid;
};

class ProberMetrics {
 public:
  // Registers both families in `registry`, which must outlive this.
  explicit ProberMetrics(Registry& registry);

  // One probe ran for `seconds`: result "successful" or "failed".
  void Observe(const ProbeLabels& labels, const std::string& result, double seconds);
  // The pod is gone: its series go too, as upstream removes them.
  void Forget(const ProbeLabels& labels);

 private:
  Family<Counter>& total_;
  Family<Histogram>& duration_;
};

}  // namespace hostlet::metrics
