// The agent's version as it reports it in NodeInfo: the Kubernetes API version it speaks, with
// its own name as a semver pre-release tag, so tools that parse kubelet versions still can.
#pragma once

namespace hostlet::agent {
inline constexpr const char* kAgentVersion = "v1.32.0-hostlet.1";
}
