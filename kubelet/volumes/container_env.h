// A container's environment, built from its envFrom and env the way the kubelet builds it.
#pragma once

#include "kubelet/volumes/pod_config_error.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace hostlet::agent {

// What the environment needs that the pod object may not carry yet.
struct PodRuntimeFacts {
  std::string node_name, pod_ip, host_ip;
  std::vector<std::string> pod_ips;
};

// The container's environment in order: envFrom (configMapRef/secretRef, with prefix; optional)
// first, then env: value ($(VAR) expanded over the variables before it), valueFrom.fieldRef
// (metadata.name/namespace/uid, metadata.labels['k'], metadata.annotations['k'], spec.nodeName,
// spec.serviceAccountName, status.hostIP(s), status.podIP(s)), valueFrom.resourceFieldRef
// (limits/requests cpu/memory/ephemeral-storage with divisor; a limit not set is
// `node_allocatable`'s {"cpu": ..., "memory": ...}), configMapKeyRef, secretKeyRef (optional).
// A name defined twice keeps its first place and takes the later value, as the runtime would.
// Missing objects or keys that are not optional throw PodConfigError("CreateContainerConfigError",
// `configmap "x" not found` / `couldn't find key k in ConfigMap ns/x`); the getter's own
// std::runtime_error passes through.
std::vector<std::pair<std::string, std::string>> ContainerEnv(
    const nlohmann::json& pod, const nlohmann::json& container, const PodRuntimeFacts& facts,
    const nlohmann::json& node_allocatable, const ObjectGetter& get);

}  // namespace hostlet::agent
