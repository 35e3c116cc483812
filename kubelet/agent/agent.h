// The node agent proper: pod sources, pod workers, the PLEG, node registration and status, and
// the housekeeping that removes what no source wants, wired around one CRI runtime. Destroying
// it stops the agent and leaves the pods running, so a restarted agent re-adopts them.
#pragma once

#include "kubelet/agent/events.h"
#include "kubelet/agent/log_rotation.h"
#include "kubelet/agent/node_reporter.h"
#include "kubelet/agent/pleg.h"
#include "kubelet/agent/pod_sources.h"
#include "kubelet/agent/pod_sync.h"
#include "kubelet/agent/pod_workers.h"
#include "kubelet/agent/prober.h"
#include "kubelet/apiclient/api_client.h"
#include "kubelet/config/agent_config.h"
#include "kubelet/cri/runtime_client.h"
#include "kubelet/metrics/kubelet_metrics.h"
#include "kubelet/volumes/volume_manager.h"

#include <memory>

namespace hostlet::agent {

class Agent {
 public:
  // `node_ip` empty: detected. Throws std::runtime_error when the kubeconfig cannot be read or
  // the runtime does not answer.
  // `metrics` and `probe_metrics`, when given, must outlive the agent.
  Agent(const AgentConfig& config, std::shared_ptr<cri::RuntimeClient> runtime,
        const std::string& node_ip, metrics::KubeletMetrics* metrics = nullptr,
        metrics::ProberMetrics* probe_metrics = nullptr);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // The pods the agent runs now (for its server's /pods and container logs).
  std::vector<nlohmann::json> Pods() const;
  const std::vector<std::string>& node_ips() const { return node_ips_; }

 private:
  NodeFacts Facts();
  void Housekeeping();
  std::optional<nlohmann::json> GetObject(const std::string& kind, const std::string& ns,
                                          const std::string& name);

  AgentConfig config_;
  std::shared_ptr<cri::RuntimeClient> runtime_;
  std::vector<std::string> node_ips_;
  std::string runtime_name_, runtime_version_;
  nlohmann::json allocatable_;
  std::unique_ptr<apiclient::ApiClient> api_;
  std::unique_ptr<VolumeManager> volumes_;
  std::unique_ptr<EventRecorder> events_;
  std::unique_ptr<PodSyncer> syncer_;
  std::unique_ptr<PodWorkers> workers_;
  // After the workers: its threads wake them, so it goes first.
  std::unique_ptr<Prober> prober_;
  std::unique_ptr<Pleg> pleg_;
  std::unique_ptr<NodeReporter> node_reporter_;
  std::unique_ptr<ApiPodSource> api_source_;
  std::unique_ptr<FilePodSource> file_source_;
  std::unique_ptr<LogRotator> log_rotator_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread housekeeping_;
};

}  // namespace hostlet::agent
