#include "kubelet/agent/prober.h"

#include "kubelet/agent/cri_config.h"

#include <atomic>
#include <condition_variable>
#include <thread>
#include <vector>

namespace hostlet::agent {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr ProbeKind kKinds[] = {ProbeKind::kLiveness, ProbeKind::kReadiness, ProbeKind::kStartup};

const char* KindName(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kLiveness:
      return "Liveness";
    case ProbeKind::kReadiness:
      return "Readiness";
    case ProbeKind::kStartup:
      return "Startup";
  }
  return "";
}

enum Result { kUnknown, kSuccess, kFailure };

}  // namespace

const char* ProbeField(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kLiveness:
      return "livenessProbe";
    case ProbeKind::kReadiness:
      return "readinessProbe";
    case ProbeKind::kStartup:
      return "startupProbe";
  }
  return "";
}

const json* ContainerSpec(const json& pod, const std::string& name) {
  for (const char* list : {"/spec/containers", "/spec/initContainers"}) {
    for (const auto& container : Items(pod, list)) {
      if (container.is_object() && container.value("name", "") == name) return &container;
    }
  }
  return nullptr;
}

struct Prober::Worker {
  ProbeKind kind = ProbeKind::kLiveness;
  std::string pod_uid, container_name, container_id, pod_ip;
  json pod, container, probe;
  std::int64_t started_at = 0;  // the instance's start, nanoseconds since the epoch

  std::atomic<int> result{kUnknown};
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  std::string kill_reason;
  std::thread thread;

  bool Sleep(Clock::time_point until) {
    std::unique_lock lock(mutex);
    return !wake.wait_until(lock, until, [&] { return stop; });
  }
};

metrics::ProbeLabels Prober::LabelsOf(const Worker& worker) {
  return {KindName(worker.kind), worker.container_name, Text(worker.pod, "/metadata/name"),
          Text(worker.pod, "/metadata/namespace", "default"), worker.pod_uid};
}

Prober::Prober(cri::RuntimeClient& runtime, Wake wake, Record record,
               metrics::ProberMetrics* metrics)
    : runtime_(runtime), wake_(std::move(wake)), record_(std::move(record)), metrics_(metrics) {}

Prober::~Prober() {
  std::map<std::string, std::shared_ptr<Worker>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(workers_);
  }
  for (auto& [key, worker] : all) {
    {
      std::lock_guard lock(worker->mutex);
      worker->stop = true;
    }
    worker->wake.notify_all();
  }
  for (auto& [key, worker] : all) worker->thread.join();
}

std::string Prober::Key(const std::string& pod_uid, const std::string& container, ProbeKind kind) {
  return pod_uid + "/" + container + "/" + ProbeField(kind);
}

std::shared_ptr<Prober::Worker> Prober::Find(const std::string& pod_uid,
                                             const std::string& container, ProbeKind kind,
                                             const std::string& container_id) const {
  std::lock_guard lock(mutex_);
  auto found = workers_.find(Key(pod_uid, container, kind));
  if (found == workers_.end() || found->second->container_id != container_id) return nullptr;
  return found->second;
}

void Prober::Update(const json& pod, const PodRuntimeState& state) {
  const std::string uid = Text(pod, "/metadata/uid");
  const SandboxRecord* sandbox = state.ReadySandbox();
  std::map<std::string, std::shared_ptr<Worker>> wanted;
  std::vector<std::shared_ptr<Worker>> stopping, starting;
  {
    std::lock_guard lock(mutex_);
    for (const auto& container : Items(pod, "/spec/containers")) {
      const std::string name = container.value("name", "");
      const ContainerRecord* latest = state.Latest(name);
      if (sandbox == nullptr || latest == nullptr ||
          latest->state != runtime::v1::CONTAINER_RUNNING || latest->sandbox_id != sandbox->id)
        continue;
      for (ProbeKind kind : kKinds) {
        const json& probe = container.value(ProbeField(kind), json());
        if (!probe.is_object()) continue;
        std::string key = Key(uid, name, kind);
        auto current = workers_.find(key);
        if (current != workers_.end() && current->second->container_id == latest->id) {
          wanted[key] = current->second;
          continue;
        }
        auto worker = std::make_shared<Worker>();
        worker->kind = kind;
        worker->pod_uid = uid;
        worker->container_name = name;
        worker->container_id = latest->id;
        worker->pod_ip = sandbox->ips.empty() ? "" : sandbox->ips.front();
        worker->pod = pod;
        worker->container = container;
        worker->probe = probe;
        worker->started_at = latest->started_at;
        // Until they pass, a readiness probe says not ready and a startup probe not started;
        // a liveness probe says alive until it fails.
        worker->result = kind == ProbeKind::kLiveness ? kSuccess : kUnknown;
        wanted[key] = worker;
        starting.push_back(worker);
      }
    }
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->first.starts_with(uid + "/")) {
        auto kept = wanted.find(it->first);
        if (kept == wanted.end() || kept->second != it->second) stopping.push_back(it->second);
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [key, worker] : wanted) workers_[key] = worker;
  }
  StopAll(stopping);
  for (auto& worker : starting) {
    worker->thread = std::thread([this, worker] { Probe(*worker); });
  }
}

void Prober::Probe(Worker& worker) {
  const json& probe = worker.probe;
  auto period =
      std::chrono::seconds(std::max<std::int64_t>(1, Integer(probe, "/periodSeconds", 10)));
  auto timeout =
      std::chrono::seconds(std::max<std::int64_t>(1, Integer(probe, "/timeoutSeconds", 1)));
  auto delay =
      std::chrono::seconds(std::max<std::int64_t>(0, Integer(probe, "/initialDelaySeconds", 0)));
  std::int64_t success_threshold =
      std::max<std::int64_t>(1, Integer(probe, "/successThreshold", 1));
  std::int64_t failure_threshold =
      std::max<std::int64_t>(1, Integer(probe, "/failureThreshold", 3));
  bool has_startup = worker.container.value("startupProbe", json()).is_object();
  // The delay counts from the instance's start, which may be before the agent (re)started.
  auto since_start = std::chrono::system_clock::now() -
                     std::chrono::system_clock::time_point(
                         std::chrono::duration_cast<std::chrono::system_clock::duration>(
                             std::chrono::nanoseconds(worker.started_at)));
  auto next =
      Clock::now() + std::max<Clock::duration>(Clock::duration::zero(), delay - since_start);
  ActionTarget target{&worker.container, worker.container_id, worker.pod_ip};
  std::int64_t successes = 0, failures = 0;
  while (worker.Sleep(next)) {
    next = Clock::now() + period;
    if (worker.kind != ProbeKind::kStartup && has_startup) {
      auto startup =
          Find(worker.pod_uid, worker.container_name, ProbeKind::kStartup, worker.container_id);
      if (startup == nullptr || startup->result != kSuccess) continue;
    }
    auto started = Clock::now();
    ActionResult outcome = RunAction(runtime_, probe, target, timeout);
    if (metrics_ != nullptr) {
      metrics_->Observe(LabelsOf(worker), outcome.success ? "successful" : "failed",
                        std::chrono::duration<double>(Clock::now() - started).count());
    }
    int before = worker.result;
    if (outcome.success) {
      failures = 0;
      if (++successes >= success_threshold) worker.result = kSuccess;
    } else {
      successes = 0;
      record_(worker.pod, "Warning", "Unhealthy",
              std::string(KindName(worker.kind)) + " probe failed: " + outcome.message);
      if (++failures >= failure_threshold) worker.result = kFailure;
    }
    if (worker.result == before) continue;
    bool fatal = worker.result == kFailure && worker.kind != ProbeKind::kReadiness;
    if (fatal) {
      std::lock_guard lock(worker.mutex);
      worker.kill_reason = "Container " + worker.container_name + " failed " +
                           (worker.kind == ProbeKind::kLiveness ? "liveness" : "startup") +
                           " probe, will be restarted";
    }
    wake_(worker.pod_uid);
    // A startup probe is done once it passed; an instance that failed is being restarted.
    if (fatal || (worker.kind == ProbeKind::kStartup && worker.result == kSuccess)) break;
  }
}

void Prober::StopAll(std::vector<std::shared_ptr<Worker>>& stopping) {
  for (auto& worker : stopping) {
    {
      std::lock_guard lock(worker->mutex);
      worker->stop = true;
    }
    worker->wake.notify_all();
  }
  for (auto& worker : stopping) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

void Prober::Forget(const std::string& pod_uid) {
  std::vector<std::shared_ptr<Worker>> stopping;
  {
    std::lock_guard lock(mutex_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->first.starts_with(pod_uid + "/")) {
        stopping.push_back(it->second);
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  StopAll(stopping);
  if (metrics_ != nullptr) {
    for (const auto& worker : stopping) metrics_->Forget(LabelsOf(*worker));
  }
}

bool Prober::Started(const json& pod, const ContainerRecord& container) const {
  const json* spec = ContainerSpec(pod, container.name);
  if (spec == nullptr || !spec->value("startupProbe", json()).is_object()) return true;
  auto worker = Find(Text(pod, "/metadata/uid"), container.name, ProbeKind::kStartup, container.id);
  return worker != nullptr && worker->result == kSuccess;
}

bool Prober::Ready(const json& pod, const ContainerRecord& container) const {
  if (!Started(pod, container)) return false;
  const json* spec = ContainerSpec(pod, container.name);
  if (spec == nullptr || !spec->value("readinessProbe", json()).is_object()) return true;
  auto worker =
      Find(Text(pod, "/metadata/uid"), container.name, ProbeKind::kReadiness, container.id);
  return worker != nullptr && worker->result == kSuccess;
}

std::string Prober::KillReason(const json& pod, const ContainerRecord& container) const {
  for (ProbeKind kind : {ProbeKind::kLiveness, ProbeKind::kStartup}) {
    auto worker = Find(Text(pod, "/metadata/uid"), container.name, kind, container.id);
    if (worker == nullptr) continue;
    std::lock_guard lock(worker->mutex);
    if (!worker->kill_reason.empty()) return worker->kill_reason;
  }
  return "";
}

}  // namespace hostlet::agent
