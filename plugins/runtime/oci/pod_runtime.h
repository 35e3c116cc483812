// Pod sandboxes and containers on an OCI runtime binary. State lives on disk (records under the
// state directory, monitors that outlive the agent), so a new instance re-adopts everything a
// previous one left running. Thread-safe.
#pragma once

#include "plugins/runtime/oci/image/image_store.h"
#include "plugins/runtime/oci/module_config.h"

#include <hostlet/abi.h>
#include <grpcpp/support/status.h>

#include <map>
#include <set>
#include <mutex>
#include <optional>
#include <string>

#include "k8s/cri/runtime/v1/api.hostlet.h"

namespace hostlet::oci {

class PodRuntime {
 public:
  // `network` is the host's network service, or nullptr: pods then get only loopback.
  PodRuntime(const ModuleConfig& config, ImageStore& images, const hostlet_network_service* network);

  grpc::Status RunPodSandbox(const runtime::v1::RunPodSandboxRequest& request, runtime::v1::RunPodSandboxResponse* response);
  grpc::Status StopPodSandbox(const std::string& id);
  grpc::Status RemovePodSandbox(const std::string& id);
  grpc::Status PodSandboxStatus(const runtime::v1::PodSandboxStatusRequest& request, runtime::v1::PodSandboxStatusResponse* response);
  grpc::Status ListPodSandbox(const runtime::v1::ListPodSandboxRequest& request, runtime::v1::ListPodSandboxResponse* response);

  grpc::Status CreateContainer(const runtime::v1::CreateContainerRequest& request, runtime::v1::CreateContainerResponse* response);
  grpc::Status StartContainer(const std::string& id);
  grpc::Status StopContainer(const std::string& id, int64_t timeout_seconds);
  grpc::Status RemoveContainer(const std::string& id);
  grpc::Status ContainerStatus(const runtime::v1::ContainerStatusRequest& request, runtime::v1::ContainerStatusResponse* response);
  grpc::Status ListContainers(const runtime::v1::ListContainersRequest& request, runtime::v1::ListContainersResponse* response);
  grpc::Status ExecSync(const runtime::v1::ExecSyncRequest& request, runtime::v1::ExecSyncResponse* response);
  grpc::Status UpdateContainerResources(const runtime::v1::UpdateContainerResourcesRequest& request);
  grpc::Status ReopenContainerLog(const std::string& id);
  grpc::Status ContainerStats(const std::string& id, runtime::v1::ContainerStats* stats);
  grpc::Status ListContainerStats(const runtime::v1::ListContainerStatsRequest& request, runtime::v1::ListContainerStatsResponse* response);
  grpc::Status PodSandboxStats(const std::string& id, runtime::v1::PodSandboxStats* stats);
  grpc::Status ListPodSandboxStats(const runtime::v1::ListPodSandboxStatsRequest& request, runtime::v1::ListPodSandboxStatsResponse* response);

 private:
  struct Sandbox {
    std::string id;
    runtime::v1::PodSandboxConfig config;
    int64_t created_at = 0;
    bool ready = true;
    std::string ip;
    bool own_netns = false;
    bool network_attached = false;
    std::string cgroup_parent;
  };
  struct Container {
    std::string id;
    std::string sandbox_id;
    runtime::v1::ContainerConfig config;
    std::string image_id;
    int64_t created_at = 0;
    int64_t started_at = 0;
    std::string log_path;
    std::string cgroups_path;
  };
  struct Exit {
    int exit_code = 0;
    int64_t finished_at = 0;
    bool oom_killed = false;
  };

  // Whether `labels` has every key of `selector` with the same value (CRI label filters).
  static bool MatchesLabels(const google::protobuf::Map<std::string, std::string>& labels,
                            const google::protobuf::Map<std::string, std::string>& selector);
  // The container's init process as the runtime recorded it, or 0.
  int ContainerPid(const std::string& id) const;
  // Whether the container's monitor is still alive (recording an exit it has seen).
  bool MonitorAtWork(const std::string& id) const;
  void LoadState();
  // The record of a sandbox or container, and its CRI config when `with_config`: the config is
  // written when it is made or changed, not with every change of state, as each write is a new
  // file.
  void SaveSandbox(const Sandbox& sandbox, bool with_config) const;
  void SaveContainer(const Container& container, bool with_config) const;
  std::filesystem::path SandboxDir(const std::string& id) const;
  std::filesystem::path ContainerDir(const std::string& id) const;
  std::optional<Exit> ExitOf(const std::string& id) const;
  runtime::v1::ContainerState StateOf(const Container& container) const;
  std::vector<std::string> Runtime(std::vector<std::string> args) const;
  grpc::Status AttachNetwork(Sandbox& sandbox);
  void DetachNetwork(Sandbox& sandbox);
  grpc::Status StopContainerLocked(Container& container, int64_t timeout_seconds, std::unique_lock<std::mutex>& lock);
  // Has the runtime create and start the container under a new monitor (`hostlet-oci-helper
  // monitor`), which stays as its parent; returns once the runtime has answered.
  grpc::Status RunUnderMonitor(const Container& container);
  // Records the exit of a container stopped before it was ever started; returns its time.
  int64_t RecordNeverStarted(const std::string& id);
  void DestroyContainerLocked(const Container& container);
  std::string MemoryCgroup(const std::string& cgroups_path) const;
  void FillStats(const Container& container, runtime::v1::ContainerStats* stats) const;
  void FillSandboxStats(const Sandbox& sandbox, runtime::v1::PodSandboxStats* stats) const;
  // CPU and memory usage of a cgroup, v1 or v2, by its path below the hierarchy roots.
  void CgroupUsage(const std::string& cgroups_path, runtime::v1::CpuUsage* cpu, runtime::v1::MemoryUsage* memory) const;

  ModuleConfig config_;
  ImageStore& images_;
  const hostlet_network_service* network_;
  int min_oom_score_adj_;
  // Guards the maps. Slow work (namespaces, the network, mounts, runc create and start) runs
  // without it, so pods start side by side; `in_progress_` holds what is being made or started
  // meanwhile (sandbox and container names, container ids), so the same one is not made twice.
  mutable std::mutex mutex_;
  std::map<std::string, Sandbox> sandboxes_;
  std::map<std::string, Container> containers_;
  std::set<std::string> in_progress_;
  // Takes its key out of in_progress_ when the work it marks ends, however it ends.
  struct InProgress {
    PodRuntime* runtime;
    std::string key;
    ~InProgress();
  };
};

}  // namespace hostlet::oci
