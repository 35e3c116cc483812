// Where the agent learns which pods to run: the apiserver (pods bound to this node, listed then
// watched) and the static pod directory (rescanned every few seconds). Each reports its whole
// set first, then changes, to the pod workers.
#pragma once

#include "kubelet/agent/pod_workers.h"
#include "kubelet/apiclient/api_client.h"

#include <atomic>
#include <filesystem>
#include <thread>

namespace hostlet::agent {

class ApiPodSource {
 public:
  ApiPodSource(apiclient::ApiClient& api, PodWorkers& workers, std::string node_name);
  ~ApiPodSource();
  ApiPodSource(const ApiPodSource&) = delete;
  ApiPodSource& operator=(const ApiPodSource&) = delete;
  // Whether the first list has been delivered (before that, the agent cannot tell an orphan).
  bool synced() const { return synced_; }

 private:
  void Run();
  // Lists, hands the set over, and returns the list's resourceVersion.
  std::string List();

  apiclient::ApiClient& api_;
  PodWorkers& workers_;
  std::string node_name_;
  std::atomic<bool> synced_{false}, stopping_{false};
  apiclient::Cancellation cancel_;
  std::thread thread_;
};

class FilePodSource {
 public:
  FilePodSource(std::filesystem::path dir, PodWorkers& workers, std::string node_name,
                std::chrono::seconds period = std::chrono::seconds(5));
  ~FilePodSource();
  FilePodSource(const FilePodSource&) = delete;
  FilePodSource& operator=(const FilePodSource&) = delete;
  bool synced() const { return synced_; }

 private:
  void Run();

  std::filesystem::path dir_;
  PodWorkers& workers_;
  std::string node_name_;
  std::chrono::seconds period_;
  std::atomic<bool> synced_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hostlet::agent
