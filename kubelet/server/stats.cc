#include "kubelet/server/stats.h"

#include "kubelet/agent/runtime_state.h"
#include "kubelet/metrics/registry.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <type_traits>

namespace hostlet::server {
namespace {

using nlohmann::json;
namespace cri_api = runtime::v1;

std::vector<cri_api::PodSandboxStats> PodStats(cri::RuntimeClient& runtime) {
  cri_api::ListPodSandboxStatsResponse response;
  agent::Check(runtime.runtime.ListPodSandboxStats({}, &response), "ListPodSandboxStats");
  std::vector<cri_api::PodSandboxStats> pods;
  for (const auto& pod : response.stats()) {
    // Only the sandboxes the agent made.
    if (pod.attributes().labels().count(agent::kPodUidLabel) != 0) pods.push_back(pod);
  }
  return pods;
}

std::string Rfc3339(std::int64_t nanoseconds) {
  std::time_t seconds = static_cast<std::time_t>(nanoseconds / 1'000'000'000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json Cpu(const cri_api::CpuUsage& cpu) {
  return {{"time", Rfc3339(cpu.timestamp())},
          {"usageCoreNanoSeconds", cpu.usage_core_nano_seconds().value()}};
}

json Memory(const cri_api::MemoryUsage& memory) {
  return {{"time", Rfc3339(memory.timestamp())},
          {"usageBytes", memory.usage_bytes().value()},
          {"workingSetBytes", memory.working_set_bytes().value()},
          {"rssBytes", memory.rss_bytes().value()}};
}

std::uint64_t FirstNumber(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::uint64_t value = 0;
  in >> value;
  return value;
}

// The whole machine's cpu time: the root cgroup's (v1 cpuacct, else v2 cpu.stat).
std::uint64_t NodeCpuNanoseconds() {
  if (std::filesystem::exists("/sys/fs/cgroup/cpuacct/cpuacct.usage")) {
    return FirstNumber("/sys/fs/cgroup/cpuacct/cpuacct.usage");
  }
  std::ifstream in("/sys/fs/cgroup/cpu.stat");
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value) {
    if (key == "usage_usec") return value * 1000;
  }
  return 0;
}

// MemTotal less MemAvailable, as the kubelet's node working set roughly is.
std::pair<std::uint64_t, std::uint64_t> NodeMemory() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  std::uint64_t value = 0, total = 0, available = 0;
  while (in >> key >> value >> unit) {
    if (key == "MemTotal:") total = value * 1024;
    if (key == "MemAvailable:") available = value * 1024;
  }
  return {total, total > available ? total - available : 0};
}

// When each of the runtime's containers, or sandboxes, was created, by ID. Their stats do not
// say; upstream takes a container's and a pod's start time from the runtime's lists, too.
std::map<std::string, std::int64_t> ContainersCreated(cri::RuntimeClient& runtime) {
  std::map<std::string, std::int64_t> created;
  cri_api::ListContainersResponse containers;
  agent::Check(runtime.runtime.ListContainers({}, &containers), "ListContainers");
  for (const auto& container : containers.containers()) {
    created[container.id()] = container.created_at();
  }
  return created;
}

std::map<std::string, std::int64_t> SandboxesCreated(cri::RuntimeClient& runtime) {
  std::map<std::string, std::int64_t> created;
  cri_api::ListPodSandboxResponse sandboxes;
  agent::Check(runtime.runtime.ListPodSandbox({}, &sandboxes), "ListPodSandbox");
  for (const auto& sandbox : sandboxes.items()) created[sandbox.id()] = sandbox.created_at();
  return created;
}

std::optional<std::int64_t> CreatedAt(const std::map<std::string, std::int64_t>& created,
                                      const std::string& id) {
  auto found = created.find(id);
  if (found == created.end() || found->second <= 0) return std::nullopt;
  return found->second;
}

// A value the runtime read at `nanoseconds`, with that time as the sample's timestamp.
template <class Sample>
void SetRead(Sample& sample, double value, std::int64_t nanoseconds) {
  if constexpr (std::is_same_v<Sample, metrics::Counter>) {
    sample.Increment(value);
  } else {
    sample.Set(value);
  }
  if (nanoseconds > 0) sample.Stamp(nanoseconds / 1'000'000);
}

}  // namespace

std::string ResourceMetrics(cri::RuntimeClient& runtime) {
  // A registry per scrape, as for /metrics/cadvisor.
  metrics::Registry registry;
  const std::vector<std::string> container_labels = {"container", "pod", "namespace"};
  const std::vector<std::string> pod_labels = {"pod", "namespace"};
  auto& node_cpu = registry.AddCounter("node_cpu_usage_seconds_total",
                                       "Cumulative cpu time consumed by the node in core-seconds");
  auto& node_memory = registry.AddGauge("node_memory_working_set_bytes",
                                        "Current working set of the node in bytes");
  auto& start_time = registry.AddGauge("container_start_time_seconds",
                                       "Start time of the container since unix epoch in seconds",
                                       container_labels);
  auto& container_cpu = registry.AddCounter(
      "container_cpu_usage_seconds_total",
      "Cumulative cpu time consumed by the container in core-seconds", container_labels);
  auto& container_memory =
      registry.AddGauge("container_memory_working_set_bytes",
                        "Current working set of the container in bytes", container_labels);
  auto& pod_cpu =
      registry.AddCounter("pod_cpu_usage_seconds_total",
                          "Cumulative cpu time consumed by the pod in core-seconds", pod_labels);
  auto& pod_memory = registry.AddGauge("pod_memory_working_set_bytes",
                                       "Current working set of the pod in bytes", pod_labels);
  const std::string error_help =
      "1 if there was an error while getting container metrics, 0 otherwise";
  auto& scrape_error = registry.AddGauge("scrape_error", error_help);
  auto& resource_scrape_error = registry.AddGauge("resource_scrape_error", error_help);

  const std::int64_t now = NowNs();
  SetRead(node_cpu.With(), static_cast<double>(NodeCpuNanoseconds()) / 1e9, now);
  SetRead(node_memory.With(), static_cast<double>(NodeMemory().second), now);
  double failed = 0;
  try {
    const auto created = ContainersCreated(runtime);
    for (const auto& pod : PodStats(runtime)) {
      const auto& metadata = pod.attributes().metadata();
      const auto& usage = pod.linux();
      for (const auto& container : usage.containers()) {
        const metrics::LabelValues labels{container.attributes().metadata().name(), metadata.name(),
                                          metadata.namespace_()};
        if (auto started = CreatedAt(created, container.attributes().id())) {
          start_time.With(labels).Set(static_cast<double>(*started) / 1e9);
        }
        SetRead(container_cpu.With(labels),
                static_cast<double>(container.cpu().usage_core_nano_seconds().value()) / 1e9,
                container.cpu().timestamp());
        SetRead(container_memory.With(labels),
                static_cast<double>(container.memory().working_set_bytes().value()),
                container.memory().timestamp());
      }
      const metrics::LabelValues labels{metadata.name(), metadata.namespace_()};
      SetRead(pod_cpu.With(labels),
              static_cast<double>(usage.cpu().usage_core_nano_seconds().value()) / 1e9,
              usage.cpu().timestamp());
      SetRead(pod_memory.With(labels),
              static_cast<double>(usage.memory().working_set_bytes().value()),
              usage.memory().timestamp());
    }
  } catch (const std::exception&) {
    failed = 1;
  }
  scrape_error.With().Set(failed);
  resource_scrape_error.With().Set(failed);
  return registry.Render();
}

std::string CadvisorMetrics(cri::RuntimeClient& runtime) {
  // A registry per scrape: the series are exactly the containers of the moment.
  metrics::Registry registry;
  auto& cpu = registry.AddCounter("container_cpu_usage_seconds_total",
                                  "Cumulative cpu time consumed in seconds.",
                                  {"container", "pod", "namespace"});
  auto& memory =
      registry.AddGauge("container_memory_working_set_bytes", "Current working set in bytes.",
                        {"container", "pod", "namespace"});
  for (const auto& pod : PodStats(runtime)) {
    const auto& metadata = pod.attributes().metadata();
    const auto& usage = pod.linux();
    cpu.With({"", metadata.name(), metadata.namespace_()})
        .Increment(static_cast<double>(usage.cpu().usage_core_nano_seconds().value()) / 1e9);
    memory.With({"", metadata.name(), metadata.namespace_()})
        .Set(static_cast<double>(usage.memory().working_set_bytes().value()));
    for (const auto& container : usage.containers()) {
      metrics::LabelValues labels{container.attributes().metadata().name(), metadata.name(),
                                  metadata.namespace_()};
      cpu.With(labels).Increment(
          static_cast<double>(container.cpu().usage_core_nano_seconds().value()) / 1e9);
      memory.With(labels).Set(static_cast<double>(container.memory().working_set_bytes().value()));
    }
  }
  return registry.Render();
}

json StatsSummary(cri::RuntimeClient& runtime, const std::string& node_name) {
  const std::string now = Rfc3339(NowNs());
  auto [total, working_set] = NodeMemory();
  json summary = {{"node",
                   {{"nodeName", node_name},
                    {"cpu", {{"time", now}, {"usageCoreNanoSeconds", NodeCpuNanoseconds()}}},
                    {"memory",
                     {{"time", now},
                      {"availableBytes", total - working_set},
                      {"usageBytes", working_set},
                      {"workingSetBytes", working_set}}}}},
                  {"pods", json::array()}};
  const auto containers_created = ContainersCreated(runtime);
  const auto sandboxes_created = SandboxesCreated(runtime);
  for (const auto& pod : PodStats(runtime)) {
    const auto& metadata = pod.attributes().metadata();
    json containers = json::array();
    for (const auto& container : pod.linux().containers()) {
      json entry = {{"name", container.attributes().metadata().name()},
                    {"cpu", Cpu(container.cpu())},
                    {"memory", Memory(container.memory())}};
      if (auto started = CreatedAt(containers_created, container.attributes().id())) {
        entry["startTime"] = Rfc3339(*started);
      }
      containers.push_back(std::move(entry));
    }
    json entry = {{"podRef",
                   {{"name", metadata.name()},
                    {"namespace", metadata.namespace_()},
                    {"uid", metadata.uid()}}},
                  {"containers", containers},
                  {"cpu", Cpu(pod.linux().cpu())},
                  {"memory", Memory(pod.linux().memory())}};
    if (auto started = CreatedAt(sandboxes_created, pod.attributes().id())) {
      entry["startTime"] = Rfc3339(*started);
    }
    summary["pods"].push_back(std::move(entry));
  }
  return summary;
}

}  // namespace hostlet::server
