// The OCI runtime spec (config.json) for a CRI container: process, user, mounts, namespaces
// shared with the pod sandbox, cgroup and resources, capabilities, seccomp, masked paths.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "k8s/cri/runtime/v1/api.hostlet.h"

namespace hostlet::oci {

// A container config that cannot be run as asked; what() says which field and why.
class InvalidContainerConfig : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct SandboxPaths {
  std::filesystem::path netns;  // empty: the host's network
  std::filesystem::path utsns;
  std::filesystem::path ipcns;  // empty: the host's IPC
  std::filesystem::path hostname_file;
  std::filesystem::path resolv_conf;
  std::filesystem::path hosts;
  std::string hostname;
};

struct SpecInputs {
  const runtime::v1::ContainerConfig* container;
  const runtime::v1::PodSandboxConfig* sandbox;
  SandboxPaths paths;
  nlohmann::json image_config;       // the image's "config" object
  std::filesystem::path rootfs;      // to resolve user and group names
  std::string cgroups_path;          // e.g. "/hostlet/<pod>/<container>"
  int min_oom_score_adj = -1000;     // what this host lets us set (see ClampOomScoreAdj)
};

nlohmann::json BuildOciSpec(const SpecInputs& inputs);  // throws InvalidContainerConfig

// The lowest oom_score_adj this process may give its children: without CAP_SYS_RESOURCE the
// kernel refuses values below our own, so requests are clamped to it rather than failing.
int LowestOomScoreAdj();

// The OCI linux.resources object for CRI resources; throws InvalidContainerConfig.
nlohmann::json OciResources(const runtime::v1::LinuxContainerResources& resources, int min_oom_score_adj);

}  // namespace hostlet::oci
