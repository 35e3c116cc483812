// Scheduler throughput on kube-scheduler's "5000 nodes, 10000 pods" shape, against the 680
// pods/s its own CI accepts on that shape. Scenarios:
//   core:    filter, score and assume only (the decision, nothing written);
//   end to end: the Scheduler in hostlet-server's configuration on a Registry over SQLite,
//            from the moment it starts with 10000 pending pods until every one is bound through
//            pods/binding, with its Scheduled events written (and once more without events);
//            and the same run counted from the end of its initial list of nodes and pods, the
//            way kube-scheduler's CI counts its 680 pods/s (pods created once the scheduler runs
//            with its caches synced);
//   store alone: the same bindings written in a loop with no scheduler, the ceiling the store
//            (one fsync'd SQLite transaction per write) sets for the end-to-end numbers.
// Nodes have varied sizes, labels and a few taints; pods varied requests and some a nodeSelector,
// so the filters have work to do; every pod fits somewhere.
#include "controlplane/apiserver/registry.h"
#include "controlplane/scheduler/algorithm.h"
#include "controlplane/scheduler/cache.h"
#include "controlplane/scheduler/scheduler.h"
#include "controlplane/storage/sqlite_store.h"

#include <sys/resource.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kNodes = 5000;
constexpr int kPods = 10000;
constexpr double kUpstreamPodsPerSecond = 680;

json Node(int i) {
  std::string cpu = std::to_string(16 + 16 * (i % 4));
  std::string memory = std::to_string(64 + 64 * (i % 4)) + "Gi";
  json node = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata",
       {{"name", "node-" + std::to_string(i)},
        {"labels",
         {{"zone", "zone-" + std::to_string(i % 10)}, {"disk", i % 2 == 0 ? "ssd" : "hdd"}}}}},
      {"spec", json::object()},
      {"status",
       {{"allocatable", {{"cpu", cpu}, {"memory", memory}, {"pods", "110"}}},
        {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
  if (i % 50 == 0) {
    node["spec"]["taints"] = {{{"key", "dedicated"}, {"value", "infra"}, {"effect", "NoSchedule"}}};
  }
  return node;
}

json Pod(int i) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", "pod-" + std::to_string(i)},
                {"namespace", "default"},
                {"uid", "uid-" + std::to_string(i)}}},
              {"spec",
               {{"containers",
                 {{{"name", "main"},
                   {"image", "busybox"},
                   {"resources",
                    {{"requests",
                      {{"cpu", std::to_string(100 + 100 * (i % 5)) + "m"},
                       {"memory", std::to_string(128 << (i % 3)) + "Mi"}}}}}}}}}}};
  if (i % 4 == 0) pod["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  return pod;
}

void Report(const char* what, int pods, Clock::duration took) {
  double seconds = std::chrono::duration<double>(took).count();
  double rate = pods / seconds;
  std::printf("%-46s %6d pods in %7.3f s: %9.0f pods/s, %6.1fx kube-scheduler's 680 pods/s\n", what,
              pods, seconds, rate, rate / kUpstreamPodsPerSecond);
  std::fflush(stdout);
}

// CPU time of the whole process (every thread), user and system.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// What the end-to-end numbers cost: CPU per bound pod, and how many of the machine's cores
// were busy on average, which tells a CPU-bound run from one that waits.
void ReportCpu(int pods, double cpu_seconds, Clock::duration took) {
  double seconds = std::chrono::duration<double>(took).count();
  std::printf("  CPU %.0f us per pod, %.2f cores busy on average (of %u)\n",
              pods > 0 ? cpu_seconds * 1e6 / pods : 0.0, cpu_seconds / seconds,
              std::thread::hardware_concurrency());
}

void Core() {
  hostlet::scheduler::ClusterCache cache;
  for (int i = 0; i < kNodes; ++i) cache.UpsertNode(Node(i));
  std::vector<hostlet::scheduler::PodInfo> pods;
  pods.reserve(kPods);
  for (int i = 0; i < kPods; ++i) pods.push_back(hostlet::scheduler::ParsePod(Pod(i)));
  hostlet::scheduler::Algorithm algorithm(1);
  int placed = 0;
  auto start = Clock::now();
  for (const auto& pod : pods) {
    auto result = algorithm.Schedule(pod, cache.nodes());
    if (result.node.empty()) continue;
    cache.Assume(pod, result.node);
    ++placed;
  }
  Report("core (filter + score + assume)", placed, Clock::now() - start);
  if (placed != kPods) std::printf("  %d pods did not fit\n", kPods - placed);
}

std::filesystem::path MakeTempDir() {
  // HOSTLET_BENCH_DIR=/dev/shm shows the cost without the disk's flushes.
  const char* base = std::getenv("HOSTLET_BENCH_DIR");
  std::string pattern =
      ((base != nullptr ? std::filesystem::path(base) : std::filesystem::temp_directory_path()) /
       "hostlet-scheduler-bench-XXXXXX")
          .string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  return pattern;
}

// The store's own limit: the same 10,000 bindings written one after another with no scheduler,
// which is what the end-to-end numbers should be read against.
void BindCeiling() {
  std::filesystem::path dir = MakeTempDir();
  {
    hostlet::storage::SqliteStore store(dir / "state.db");
    hostlet::apiserver::Registry registry(store, hostlet::apiserver::ResourceTable::Served());
    registry.EnsureNamespace("default");
    const auto& pods = *registry.table().Find("", "v1", "pods");
    for (int i = 0; i < kPods; ++i) {
      json pod = Pod(i);
      pod["metadata"].erase("uid");
      registry.Create(pods, "default", pod);
    }
    auto start = Clock::now();
    for (int i = 0; i < kPods; ++i) {
      std::string name = "pod-" + std::to_string(i);
      registry.Bind(
          "default", name,
          {{"apiVersion", "v1"},
           {"kind", "Binding"},
           {"metadata", {{"name", name}}},
           {"target", {{"kind", "Node"}, {"name", "node-" + std::to_string(i % kNodes)}}}});
    }
    Report("store alone: Registry::Bind in a loop", kPods, Clock::now() - start);
  }
  std::filesystem::remove_all(dir);
}

void EndToEnd(bool events) {
  std::filesystem::path dir = MakeTempDir();
  {
    hostlet::storage::SqliteStore store(dir / "state.db");
    hostlet::apiserver::Registry registry(store, hostlet::apiserver::ResourceTable::Served());
    registry.EnsureNamespace("default");
    const auto& table = registry.table();
    for (int i = 0; i < kNodes; ++i) registry.Create(*table.Find("", "v1", "nodes"), "", Node(i));
    for (int i = 0; i < kPods; ++i) {
      json pod = Pod(i);
      pod["metadata"].erase("uid");
      registry.Create(*table.Find("", "v1", "pods"), "default", pod);
    }
    hostlet::scheduler::SchedulerOptions options;
    options.record_events = events;
    options.seed = 1;
    hostlet::scheduler::Scheduler scheduler(registry, options);
    double cpu_start = CpuSeconds();
    auto start = Clock::now();
    scheduler.Start();
    auto synced = Clock::now();
    std::printf("  (start, listing %d nodes and %d pods: %.3f s)\n", kNodes, kPods,
                std::chrono::duration<double>(synced - start).count());
    while (scheduler.stats().scheduled < kPods) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      if (Clock::now() - start > std::chrono::minutes(5)) break;
    }
    auto took = Clock::now() - start;
    double cpu = CpuSeconds() - cpu_start;
    auto stats = scheduler.stats();
    Report(events ? "end to end (SQLite binding + Scheduled events)"
                  : "end to end (SQLite binding, no events)",
           static_cast<int>(stats.scheduled), took);
    Report("  the same after the initial list", static_cast<int>(stats.scheduled),
           took - (synced - start));
    ReportCpu(static_cast<int>(stats.scheduled), cpu, took);
    if (stats.bind_errors > 0 || stats.unschedulable > 0 || stats.resyncs > 0) {
      std::printf("  bind errors %llu, unschedulable attempts %llu, watch re-lists %llu\n",
                  static_cast<unsigned long long>(stats.bind_errors),
                  static_cast<unsigned long long>(stats.unschedulable),
                  static_cast<unsigned long long>(stats.resyncs));
    }
    // Events wait while bindings are pending; Stop writes the ones still queued.
    auto stop_start = Clock::now();
    scheduler.Stop();
    if (events) {
      std::printf("  (then %.3f s more until the last Scheduled event was written)\n",
                  std::chrono::duration<double>(Clock::now() - stop_start).count());
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace

// With "core" or "bind" as the argument only that scenario runs (for profiling).
int main(int argc, char** argv) {
  std::string only = argc > 1 ? argv[1] : "";
  if (only == "bind") {
    EndToEnd(false);
    return 0;
  }
  bool core_only = only == "core";
  std::printf("scheduler throughput, %d nodes, %d pods (adaptive sampling: %zu nodes per pod)\n",
              kNodes, kPods, hostlet::scheduler::NodesToFind(kNodes, 0));
  Core();
  if (core_only) return 0;
  EndToEnd(true);
  EndToEnd(false);
  BindCeiling();
  return 0;
}
