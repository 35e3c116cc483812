// One worker thread per pod, so a slow pod (an image pull, a long grace period) never holds up
// another. Sources tell the workers what is wanted (Update, Remove), the PLEG tells them that the
// runtime changed (Wake); a worker syncs when told, when a back-off ends, and once a minute.
// A pod that is deleted is torn down by its worker, which then ends.
#pragma once

#include "kubelet/agent/pod_sync.h"
#include "kubelet/apiclient/api_client.h"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace hostlet::agent {

enum class PodSource { kApi, kFile };

class PodWorkers {
 public:
  // `api` is null in standalone mode: statuses then go nowhere and static pods get no mirror.
  PodWorkers(PodSyncer& syncer, apiclient::ApiClient* api, std::string node_name);
  ~PodWorkers();
  PodWorkers(const PodWorkers&) = delete;
  PodWorkers& operator=(const PodWorkers&) = delete;

  // The pod as its source has it now.
  void Update(const nlohmann::json& pod, PodSource source);
  // The pod is gone from its source: stop it and remove it.
  void Remove(const std::string& uid);
  // The pods of one source now, all of them: the ones missing are removed.
  void Replace(const std::vector<nlohmann::json>& pods, PodSource source);
  // Something changed in the runtime for this pod (or its mirror went away).
  void Wake(const std::string& uid);
  void WakeMirror(const std::string& ns, const std::string& name);
  // Pods that have a worker (running or being torn down).
  std::set<std::string> Known() const;
  std::size_t RunningPods() const;
  // The pods that have a worker and are not removed, as their sources have them now (the
  // agent's server lists them at /pods).
  std::vector<nlohmann::json> Pods() const;
  // Told once per pod how long after the agent first saw it the pod first reported Running
  // (kubelet_pod_start_duration_seconds). Set before the first Update.
  void OnPodStarted(std::function<void(double seconds)> observer) {
    pod_started_ = std::move(observer);
  }
  // Stops every worker without touching the pods (the agent is shutting down; the pods keep
  // running).
  void Shutdown();

 private:
  struct Worker;
  void Run(std::shared_ptr<Worker> worker);
  // `removed_from_source`: the pod is gone from its source already (nothing to confirm).
  void Terminate(Worker& worker, const nlohmann::json& pod, bool removed_from_source);
  void ReportStatus(Worker& worker, const nlohmann::json& pod, const nlohmann::json& status);
  // The status of a pod being run: a static pod's mirror is made first, if need be.
  void PublishStatus(Worker& worker, const nlohmann::json& pod, const nlohmann::json& status);
  void EnsureMirror(Worker& worker, const nlohmann::json& pod);
  void Reap();

  PodSyncer& syncer_;
  apiclient::ApiClient* api_;
  std::string node_name_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Worker>> workers_;
  std::vector<std::shared_ptr<Worker>> finished_;
  bool shutting_down_ = false;
  std::function<void(double)> pod_started_;
};

// The pod as an event's or a Status patch's target: namespace/name.
std::string PodKey(const nlohmann::json& pod);
// Mirror pods (annotation kubernetes.io/config.mirror) stand for static pods; they never run.
bool IsMirrorPod(const nlohmann::json& pod);

}  // namespace hostlet::agent
