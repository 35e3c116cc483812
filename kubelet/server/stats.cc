#include "kubelet/server/stats.h"

#include "kubelet/agent/runtime_state.h"
#include "kubelet/metrics/registry.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

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

}  // namespace

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
  for (const auto& pod : PodStats(runtime)) {
    const auto& metadata = pod.attributes().metadata();
    json containers = json::array();
    for (const auto& container : pod.linux().containers()) {
      containers.push_back({{"name", container.attributes().metadata().name()},
                            {"cpu", Cpu(container.cpu())},
                            {"memory", Memory(container.memory())}});
    }
    summary["pods"].push_back({{"podRef",
                                {{"name", metadata.name()},
                                 {"namespace", metadata.namespace_()},
                                 {"uid", metadata.uid()}}},
                               {"containers", containers},
                               {"cpu", Cpu(pod.linux().cpu())},
                               {"memory", Memory(pod.linux().memory())}});
  }
  return summary;
}

}  // namespace hostlet::server
