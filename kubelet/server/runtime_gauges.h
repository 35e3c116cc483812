// kubelet_running_pods and kubelet_running_containers, read from the runtime at each scrape:
// the runtime is the agent's only record of what runs, so the gauges are never stale.
#pragma once

#include "kubelet/cri/runtime_client.h"
#include "kubelet/metrics/kubelet_metrics.h"

#include <functional>

namespace hostlet::server {

// A collector for Registry::AddCollector. Pods count when their sandbox is ready; containers
// by state (created, running, exited, unknown). When the runtime does not answer the gauges
// keep their last values.
std::function<void()> RuntimeGauges(cri::RuntimeClient& runtime, metrics::KubeletMetrics& metrics);

}  // namespace hostlet::server
