#include "kubelet/metrics/kubelet_metrics.h"

namespace hostlet::metrics {

KubeletMetrics::KubeletMetrics(Registry& registry, const std::string& node_name)
    : running_pods(registry.AddGauge("kubelet_running_pods",
                                     "Number of pods that have a running pod sandbox")),
      running_containers(registry.AddGauge("kubelet_running_containers",
                                           "Number of containers currently running",
                                           {"container_state"})),
      pod_start_duration_(registry.AddHistogram(
          "kubelet_pod_start_duration_seconds",
          "Duration in seconds from kubelet seeing a pod for the first time to the pod starting "
          "to run",
          {},
          // The upstream kubelet's buckets.
          {0.5, 1,   2,   3,   4,   5,   6,   8,   10,   20,   30,   45,  60,
           120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600})),
      runtime_operations_(registry.AddCounter("kubelet_runtime_operations_total",
                                              "Cumulative number of runtime operations by "
                                              "operation type.",
                                              {"operation_type"})),
      runtime_errors_(registry.AddCounter("kubelet_runtime_operations_errors_total",
                                          "Cumulative number of runtime operation errors by "
                                          "operation type.",
                                          {"operation_type"})),
      runtime_duration_(registry.AddHistogram("kubelet_runtime_operations_duration_seconds",
                                              "Duration in seconds of runtime operations. Broken "
                                              "down by operation type.",
                                              {"operation_type"},
                                              ExponentialBuckets(.005, 2.5, 14))),
      pleg_relist_duration_(registry.AddHistogram("kubelet_pleg_relist_duration_seconds",
                                                  "Duration in seconds for relisting pods in PLEG.",
                                                  {}, DefaultBuckets())) {
  registry.AddGauge("kubelet_node_name", "The node's name. The count is always 1.", {"node"})
      .With({node_name})
      .Set(1);
  running_pods.With().Set(0);
  // Shown from the start, with no observations, as unlabelled metrics are upstream.
  pod_start_duration_.With();
}

CallObserver KubeletMetrics::RuntimeObserver() {
  return [this](const char* method, double seconds, bool ok) {
    LabelValues type{OperationType(method)};
    runtime_operations_.With(type).Increment();
    runtime_duration_.With(type).Observe(seconds);
    if (!ok) runtime_errors_.With(type).Increment();
  };
}

PluginMetrics::PluginMetrics(Registry& registry)
    : loads_(registry.AddCounter("hostlet_plugin_loads_total",
                                 "Plugin modules loaded, by plugin and result (success or "
                                 "failure).",
                                 {"plugin", "result"})),
      load_duration_(registry.AddGauge("hostlet_plugin_load_duration_seconds",
                                       "How long loading the plugin module and starting its "
                                       "instance took.",
                                       {"plugin"})),
      calls_(registry.AddCounter("hostlet_plugin_calls_total",
                                 "Calls made to a plugin instance, by plugin and method.",
                                 {"plugin", "method"})),
      call_errors_(registry.AddCounter("hostlet_plugin_call_errors_total",
                                       "Calls to a plugin instance that returned an error, by "
                                       "plugin and method.",
                                       {"plugin", "method"})),
      call_duration_(registry.AddHistogram("hostlet_plugin_call_duration_seconds",
                                           "Duration in seconds of calls to a plugin instance, "
                                           "by plugin and method.",
                                           {"plugin", "method"},
                                           ExponentialBuckets(.0005, 2.5, 14))) {}

void PluginMetrics::ObserveLoad(const std::string& plugin, bool ok, double seconds) {
  loads_.With({plugin, ok ? "success" : "failure"}).Increment();
  if (ok) load_duration_.With({plugin}).Set(seconds);
}

CallObserver PluginMetrics::CallObserverFor(const std::string& plugin) {
  return [this, plugin](const char* method, double seconds, bool ok) {
    LabelValues labels{plugin, MethodName(method)};
    calls_.With(labels).Increment();
    call_duration_.With(labels).Observe(seconds);
    if (!ok) call_errors_.With(labels).Increment();
  };
}

}  // namespace hostlet::metrics
