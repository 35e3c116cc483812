// What the container runtime has for one pod, read through CRI: its sandboxes and containers,
// newest first. The agent keeps no state of its own about running pods; everything it needs to
// carry across its own restarts (restart counts, which container is whose) lives in the labels
// and annotations it gave the runtime.
#pragma once

#include "kubelet/cri/runtime_client.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hostlet::agent {

// Labels and annotations the agent puts on sandboxes and containers (the upstream kubelet's).
inline constexpr const char* kPodUidLabel = "io.kubernetes.pod.uid";
inline constexpr const char* kPodNameLabel = "io.kubernetes.pod.name";
inline constexpr const char* kPodNamespaceLabel = "io.kubernetes.pod.namespace";
inline constexpr const char* kContainerNameLabel = "io.kubernetes.container.name";
inline constexpr const char* kRestartCountAnnotation = "io.kubernetes.container.restartCount";
inline constexpr const char* kInitContainerAnnotation = "hostlet.io/init-container";

struct SandboxRecord {
  std::string id;
  std::uint32_t attempt = 0;
  bool ready = false;
  std::int64_t created_at = 0;
  std::vector<std::string> ips;  // primary first
};

struct ContainerRecord {
  std::string id, sandbox_id, name;
  runtime::v1::ContainerState state = runtime::v1::CONTAINER_UNKNOWN;
  std::int64_t created_at = 0, started_at = 0, finished_at = 0;  // nanoseconds since the epoch
  int exit_code = 0;
  std::string reason, message, image, image_ref, log_path;
  int restart_count = 0;
  bool init = false;
};

struct PodRuntimeState {
  std::vector<SandboxRecord> sandboxes;     // newest first
  std::vector<ContainerRecord> containers;  // newest first

  const SandboxRecord* ReadySandbox() const;
  // The newest instance of a container, in any sandbox of the pod.
  const ContainerRecord* Latest(const std::string& name) const;
  // The instance before the newest one (for lastState).
  const ContainerRecord* Previous(const std::string& name) const;
  bool AnyRunning() const;
};

// Reads the pod's sandboxes and containers. Throws std::runtime_error when the runtime fails.
PodRuntimeState InspectPod(cri::RuntimeClient& runtime, const std::string& pod_uid);

// The pod uids of every sandbox the agent made (labelled with the pod's uid).
std::vector<std::string> RuntimePodUids(cri::RuntimeClient& runtime);

// Throws std::runtime_error("<what>: <status message>") when `status` is not OK.
void Check(const grpc::Status& status, const std::string& what);

}  // namespace hostlet::agent
