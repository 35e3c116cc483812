// One pass of a pod worker: compares a pod's spec with what the runtime has and takes the next
// steps (sandbox, init containers in order, containers, restarts after back-off), then computes
// the status to report. Also tears pods down. Holds no state about a pod beyond the worker's
// PodMemory, so a restarted agent carries on from what the runtime reports.
#pragma once

#include "kubelet/agent/admission.h"
#include "kubelet/agent/backoff.h"
#include "kubelet/agent/cri_config.h"
#include "kubelet/agent/pod_status.h"
#include "kubelet/agent/prober.h"
#include "kubelet/agent/runtime_state.h"
#include "kubelet/cri/runtime_client.h"
#include "kubelet/volumes/container_env.h"
#include "kubelet/volumes/volume_manager.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace hostlet::agent {

// What a worker remembers between passes: back-offs and why containers wait.
// A container that failed to start (image pull, create, start) waits before the next try:
// 10 s, doubling up to 5 minutes, as the kubelet's image pull back-off.
struct RetryGate {
  std::chrono::steady_clock::time_point not_before{};
  std::chrono::seconds delay{0};
  Waiting last;
};

struct PodMemory {
  std::map<std::string, Backoff> restarts;    // container name
  std::map<std::string, RetryGate> failures;  // container name
  std::map<std::string, Waiting> waiting;     // container name -> reason (reset each pass)
  std::string start_time;
  std::optional<Admission> admission;  // decided on the pod's first pass
  bool adopted = false;  // the first pass found it in the runtime: it ran before this agent
  nlohmann::json last_status;  // the status last reported, to keep transition times
};

struct SyncResult {
  nlohmann::json status;
  std::chrono::steady_clock::time_point next_sync;  // look again by then at the latest
};

// Something worth an Event on the pod: reason and message.
struct PodEvent {
  std::string type;  // "Normal" or "Warning"
  std::string reason, message;
};

struct SyncerOptions {
  SandboxSettings sandbox;
  std::string runtime_name = "hostlet";
  std::string node_name;
  std::function<std::vector<std::string>()> host_ips;
  std::function<nlohmann::json()> node_allocatable;
  std::function<void(const nlohmann::json& pod, const PodEvent& event)> record_event;
};

class PodSyncer {
 public:
  PodSyncer(cri::RuntimeClient& runtime, VolumeManager& volumes, Prober& prober,
            ObjectGetter get, SyncerOptions options);

  // `report_interim`, when given, is told the pod's status before a step that may take long (an
  // image pull), so that the pod shows its containers as ContainerCreating meanwhile, as the
  // upstream kubelet's pods do, rather than no status at all until the pull ends.
  SyncResult Sync(const nlohmann::json& pod, PodMemory& memory,
                  const std::function<void(const nlohmann::json& status)>& report_interim = {});

  // Stops every container of the pod (each given `grace_seconds` after SIGTERM, which its
  // preStop hook runs within) and its sandboxes; with `remove`, also removes them, the pod's
  // volumes and its logs.
  void Kill(const std::string& uid, const nlohmann::json* pod, std::int64_t grace_seconds,
            bool remove);

  // The status of a pod that is gone from the runtime (after Kill), from the last inspection.
  nlohmann::json StatusOf(const nlohmann::json& pod, PodMemory& memory,
                          const nlohmann::json& previous);

 private:
  struct Step;
  // Pulls the container's image when its pull policy asks for it; `before_pull` is called
  // just before a pull starts.
  void EnsureImage(const nlohmann::json& pod, const nlohmann::json& container,
                   const std::function<void()>& before_pull);
  void StartContainer(const nlohmann::json& pod, const nlohmann::json& container, bool init,
                      int restart_count, const std::string& sandbox_id,
                      const runtime::v1::PodSandboxConfig& sandbox_config,
                      const std::map<std::string, std::string>& volumes,
                      const std::vector<std::string>& pod_ips);
  // Whether an exited container should run again now; records CrashLoopBackOff otherwise.
  bool RestartDue(const nlohmann::json& pod, const ContainerRecord& exited, PodMemory& memory,
                  std::chrono::steady_clock::time_point* next_sync);
  void RemoveOldInstances(const PodRuntimeState& state);
  // Stops the running containers that failed their liveness or startup probe; true if any.
  bool KillUnhealthy(const nlohmann::json& pod, const PodRuntimeState& state);
  // Runs the postStart hook of a container that just started; stops it when the hook fails.
  void RunPostStart(const nlohmann::json& pod, const nlohmann::json& container,
                    const std::string& container_id, const std::vector<std::string>& pod_ips);
  void StopContainer(const std::string& id, std::int64_t grace_seconds);
  // Admits the pod on its first pass (or adopts it when the runtime already has it); false when
  // it was rejected, with its Failed status in `result`.
  bool Admitted(const nlohmann::json& pod, const PodRuntimeState& state, PodMemory& memory,
                SyncResult& result);
  StatusInputs Inputs(const nlohmann::json& pod, const PodRuntimeState& state,
                      PodMemory& memory) const;
  void Event(const nlohmann::json& pod, const std::string& type, const std::string& reason,
             const std::string& message);

  cri::RuntimeClient& runtime_;
  VolumeManager& volumes_;
  Prober& prober_;
  ObjectGetter get_;
  SyncerOptions options_;
  PodAdmitter admitter_;
};

// The pod's terminationGracePeriodSeconds (30 when unset).
std::int64_t GracePeriod(const nlohmann::json& pod);

// Why a container's probes or lifecycle hooks cannot run, as "invalid <field>: <problem>"; empty
// when they can.
std::string HandlersProblem(const nlohmann::json& container);

// A pod that should not run any more: deleted (deletionTimestamp set).
bool PodIsTerminating(const nlohmann::json& pod);

}  // namespace hostlet::agent
