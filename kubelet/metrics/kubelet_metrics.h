// The metrics of the node agent under the upstream kubelet's names (so dashboards made for it
// read hostlet too), and hostlet's own per-plugin metrics.
#pragma once

#include "kubelet/metrics/registry.h"
#include "kubelet/metrics/timed_channel.h"

#include <string>

namespace hostlet::metrics {

class KubeletMetrics {
 public:
  // Registers every family in `registry`, which must outlive this.
  KubeletMetrics(Registry& registry, const std::string& node_name);

  // For TimedChannel around the CRI client: kubelet_runtime_operations_{total,errors_total,
  // duration_seconds}{operation_type}.
  CallObserver RuntimeObserver();
  void ObservePodStart(double seconds) { pod_start_duration_.With().Observe(seconds); }
  void ObservePlegRelist(double seconds) { pleg_relist_duration_.With().Observe(seconds); }

  Family<Gauge>& running_pods;        // kubelet_running_pods
  Family<Gauge>& running_containers;  // kubelet_running_containers{container_state}

 private:
  Family<Histogram>& pod_start_duration_;
  Family<Counter>& runtime_operations_;
  Family<Counter>& runtime_errors_;
  Family<Histogram>& runtime_duration_;
  Family<Histogram>& pleg_relist_duration_;
};

class PluginMetrics {
 public:
  explicit PluginMetrics(Registry& registry);

  // A module loaded (or was refused, or its instance failed to start) after `seconds`.
  void ObserveLoad(const std::string& plugin, bool ok, double seconds);
  // For TimedChannel around one plugin instance.
  CallObserver CallObserverFor(const std::string& plugin);

 private:
  Family<Counter>& loads_;
  Family<Gauge>& load_duration_;
  Family<Counter>& calls_;
  Family<Counter>& call_errors_;
  Family<Histogram>& call_duration_;
};

}  // namespace hostlet::metrics
