// What the volume and environment builders need from the rest of the agent, and the one error
// they raise for a pod whose configuration keeps its containers from being created.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace hostlet::agent {

// Reads a namespaced object from the apiserver: kind "configmaps" or "secrets"; nullopt when it
// does not exist; throws std::runtime_error when the apiserver cannot be asked (the caller
// retries on its next sync, unlike a PodConfigError, which the pod's status reports).
using ObjectGetter = std::function<std::optional<nlohmann::json>(
    const std::string& kind, const std::string& ns, const std::string& name)>;

// A configuration problem that keeps a container from being created: the pod's status shows
// reason (e.g. "CreateContainerConfigError") and message (e.g. `configmap "app-config" not found`).
struct PodConfigError : std::runtime_error {
  std::string reason;
  PodConfigError(std::string reason, const std::string& message);
};

// The reason the kubelet gives for every problem raised here.
inline constexpr const char* kCreateContainerConfigError = "CreateContainerConfigError";

// Shorthand for PodConfigError(kCreateContainerConfigError, message).
[[noreturn]] void ThrowConfigError(const std::string& message);

}  // namespace hostlet::agent
