// The downward API's container resources (resourceFieldRef), as the kubelet computes them.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hostlet::agent {

// The value of `selector` ({containerName, resource, divisor}) for `container`, or for the pod's
// container named containerName when given: limits.cpu, limits.memory, limits.ephemeral-storage,
// requests.* the same. cpu counts whole divisors (default 1) of millicores rounded up, the others
// whole divisors of bytes rounded up. A limit that is not set is the node's allocatable
// (`node_allocatable` {"cpu": "4", "memory": "8Gi"}); a request that is not set is the limit when
// that is set (the API's defaulting) and 0 otherwise. Problems are PodConfigErrors.
std::string ResourceFieldValue(const nlohmann::json& pod, const nlohmann::json& container,
                               const nlohmann::json& selector,
                               const nlohmann::json& node_allocatable);

}  // namespace hostlet::agent
