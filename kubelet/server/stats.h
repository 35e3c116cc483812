// The agent's resource usage endpoints, from the runtime's CRI stats (which the OCI module
// reads from the pod and container cgroups: cpuacct.usage or cpu.stat, memory usage less
// inactive_file): /metrics/cadvisor in cAdvisor's metric names, /metrics/resource as the upstream
// kubelet's resource metrics (what metrics-server scrapes for `kubectl top`), and /stats/summary
// as the upstream kubelet's Summary API (node, pods, containers; cpu and memory).
#pragma once

#include "kubelet/cri/runtime_client.h"

#include <nlohmann/json.hpp>

#include <string>

namespace hostlet::server {

// container_cpu_usage_seconds_total and container_memory_working_set_bytes with container, pod
// and namespace labels; the pod's own cgroup as container="". Throws std::runtime_error when
// the runtime fails.
std::string CadvisorMetrics(cri::RuntimeClient& runtime);

// The upstream kubelet's resource metrics: node, pod and container cpu and working set, with
// the time each was read as the sample's timestamp, container start times, and scrape_error and
// resource_scrape_error, 1 when the runtime could not be asked (the node's own usage is still
// given then).
std::string ResourceMetrics(cri::RuntimeClient& runtime);

// The Summary: node cpu and memory from the root cgroup and /proc/meminfo, each pod's and
// container's from the runtime, with their start times (when the runtime created the sandbox and
// the container). Throws std::runtime_error when the runtime fails.
nlohmann::json StatsSummary(cri::RuntimeClient& runtime, const std::string& node_name);

}  // namespace hostlet::server
