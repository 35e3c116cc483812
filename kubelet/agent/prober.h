// Liveness, readiness and startup probes of running containers. Each probe of each container
// instance has its own thread that runs the probe every periodSeconds after initialDelaySeconds
// and counts successes and failures against the thresholds, as the upstream kubelet's probe
// workers do. A result that changes wakes the pod's worker, which reads the results when it
// computes readiness and restarts what failed its liveness or startup probe.
#pragma once

#include "kubelet/agent/probe_action.h"
#include "kubelet/agent/runtime_state.h"
#include "kubelet/metrics/prober_metrics.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hostlet::agent {

enum class ProbeKind { kLiveness, kReadiness, kStartup };

const char* ProbeField(ProbeKind kind);  // "livenessProbe", ...

class Prober {
 public:
  using Wake = std::function<void(const std::string& pod_uid)>;
  // An Event on the pod: type, reason, message.
  using Record = std::function<void(const nlohmann::json& pod, const std::string& type,
                                    const std::string& reason, const std::string& message)>;

  // `metrics`, when given, counts and times every probe (and must outlive the prober).
  Prober(cri::RuntimeClient& runtime, Wake wake, Record record,
         metrics::ProberMetrics* metrics = nullptr);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Probes the pod's running containers from now on, and stops probing instances that are gone.
  void Update(const nlohmann::json& pod, const PodRuntimeState& state);
  // Stops every probe of the pod (it is being torn down).
  void Forget(const std::string& pod_uid);

  // Whether the container's instance passed its startup probe (true without one).
  bool Started(const nlohmann::json& pod, const ContainerRecord& container) const;
  // Whether the instance is ready: started, and passing its readiness probe (if any).
  bool Ready(const nlohmann::json& pod, const ContainerRecord& container) const;
  // Why the instance must be restarted (it failed its liveness or startup probe), or empty.
  std::string KillReason(const nlohmann::json& pod, const ContainerRecord& container) const;

 private:
  struct Worker;
  std::shared_ptr<Worker> Find(const std::string& pod_uid, const std::string& container,
                               ProbeKind kind, const std::string& container_id) const;
  // The probe loop of one worker, on its own thread.
  void Probe(Worker& worker);
  static void StopAll(std::vector<std::shared_ptr<Worker>>& stopping);
  static metrics::ProbeLabels LabelsOf(const Worker& worker);
  static std::string Key(const std::string& pod_uid, const std::string& container, ProbeKind kind);

  cri::RuntimeClient& runtime_;
  Wake wake_;
  Record record_;
  metrics::ProberMetrics* metrics_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Worker>> workers_;  // Key() -> the current instance's
};

// The container's spec in the pod, by name (containers first, then init containers), or null.
const nlohmann::json* ContainerSpec(const nlohmann::json& pod, const std::string& name);

}  // namespace hostlet::agent
