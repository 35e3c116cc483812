#include "kubelet/metrics/prober_metrics.h"

namespace hostlet::metrics {
namespace {

// What a probe comes to: hostlet has no third outcome (upstream's "unknown").
constexpr const char* kResults[] = {"successful", "failed"};

}  // namespace

ProberMetrics::ProberMetrics(Registry& registry)
    : total_(registry.AddCounter(
          "prober_probe_total",
          "Liveness, readiness and startup probes run, by container and result.",
          {"probe_type", "result", "container", "pod", "namespace", "pod_uid"})),
      duration_(registry.AddHistogram(
          "prober_probe_duration_seconds", "How long probes took to answer, in seconds.",
          {"probe_type", "container", "pod", "namespace"}, DefaultBuckets())) {}

void ProberMetrics::Observe(const ProbeLabels& labels, const std::string& result, double seconds) {
  total_.With({labels.probe_type, result, labels.container, labels.pod, labels.ns, labels.pod_uid})
      .Increment();
  duration_.With({labels.probe_type, labels.container, labels.pod, labels.ns}).Observe(seconds);
}

void ProberMetrics::Forget(const ProbeLabels& labels) {
  for (const char* result : kResults) {
    total_.Remove(
        {labels.probe_type, result, labels.container, labels.pod, labels.ns, labels.pod_uid});
  }
  duration_.Remove({labels.probe_type, labels.container, labels.pod, labels.ns});
}

}  // namespace hostlet::metrics
