// A pod's spec in CRI's terms: the sandbox config and each container's config, as the upstream
// kubelet builds them (the same labels, log layout and cgroup hierarchy), so tools that read a
// CRI runtime (crictl, log shippers) find what they expect.
#pragma once

#include "k8s/cri/runtime/v1/api.hostlet.h"
#include "kubelet/volumes/volume_manager.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace hostlet::agent {

// The node's settings that pod and container configs are built with.
struct SandboxSettings {
  std::filesystem::path pod_logs_dir = "/var/log/pods";
  std::string cgroup_root = "/";  // the kubepods hierarchy goes under it
  // Where seccompProfile.localhostProfile paths start: <root dir>/seccomp, as upstream's.
  std::filesystem::path seccomp_profile_root = "/var/lib/hostlet/seccomp";
};

// "Guaranteed", "Burstable" or "BestEffort", by Kubernetes' rules.
std::string QosClass(const nlohmann::json& pod);

// The pod's cgroup: <root>/kubepods[/burstable|/besteffort]/pod<uid>.
std::string PodCgroupParent(const nlohmann::json& pod, const std::string& cgroup_root);

// <pod logs dir>/<namespace>_<name>_<uid>
std::filesystem::path PodLogDirectory(const nlohmann::json& pod,
                                      const std::filesystem::path& pod_logs_dir);

runtime::v1::PodSandboxConfig SandboxConfig(const nlohmann::json& pod, std::uint32_t attempt,
                                            const SandboxSettings& settings);

// The config of one container (an entry of spec.containers or spec.initContainers). Its seccomp
// profile is the upstream kubelet's choice with seccompDefault off: the container's
// securityContext.seccompProfile, else the pod's, else Unconfined (SandboxConfig takes the pod's).
// Throws PodConfigError for a seccomp profile it cannot express.
runtime::v1::ContainerConfig ContainerConfig(
    const nlohmann::json& pod, const nlohmann::json& container, int restart_count, bool init,
    const std::vector<std::pair<std::string, std::string>>& env,
    const std::vector<HostMount>& mounts, const SandboxSettings& settings);

// A pod field with its default: `Get(pod, "/spec/restartPolicy", "Always")`.
std::string Text(const nlohmann::json& object, const char* pointer,
                 const std::string& fallback = "");
std::int64_t Integer(const nlohmann::json& object, const char* pointer, std::int64_t fallback);
const nlohmann::json& Items(const nlohmann::json& object, const char* pointer);

}  // namespace hostlet::agent
