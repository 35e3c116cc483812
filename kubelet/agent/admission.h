// Admission of pods to this node, as the upstream kubelet's resource-fit check: a pod runs only
// if its requests (cpu, memory, ephemeral-storage, extended resources such as nvidia.com/gpu, and
// one of the node's pods) fit into the node's allocatable next to the pods already admitted.
// A rejected pod never starts; it fails with reason "OutOf<resource>". The scheduler checks the
// same, so rejections happen to pods bound by hand (spec.nodeName) and to static pods.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace hostlet::agent {

struct Admission {
  bool admitted = true;
  std::string reason;   // "OutOfcpu", "OutOfpods", ...
  std::string message;  // "Node didn't have enough resource: cpu, requested: ..., ..."
};

// What a pod asks of the node per resource: cpu in millicores, the rest in whole units;
// the larger of its containers' sum and any one init container, plus spec.overhead. A request
// defaults to the limit when only a limit is given. Throws std::invalid_argument naming the
// container and resource when a quantity cannot be read.
std::map<std::string, std::int64_t> PodRequests(const nlohmann::json& pod);

class PodAdmitter {
 public:
  // Admits the pod if it fits beside the pods admitted so far (and keeps it), given the node's
  // allocatable (quantities as the Node's status has them).
  Admission Admit(const nlohmann::json& pod, const nlohmann::json& allocatable);
  // Keeps a pod that already runs (found in the runtime after a restart) without checking.
  void Adopt(const nlohmann::json& pod);
  // The pod finished or is gone: its resources are free again.
  void Release(const std::string& uid);

 private:
  std::mutex mutex_;
  std::map<std::string, std::map<std::string, std::int64_t>> admitted_;  // uid -> requests
};

}  // namespace hostlet::agent
