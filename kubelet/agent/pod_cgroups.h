// The pod-level cgroups are the agent's (it names them as each sandbox's cgroup parent, as the
// upstream kubelet does): the runtime removes the containers' cgroups, the agent the pod's.
#pragma once

#include <string>

namespace hostlet::agent {

// Removes <cgroup root>/kubepods/{,burstable/,besteffort/}pod<uid> from every controller
// hierarchy (cgroup v1) or the unified one, where they exist and are empty. A cgroup that still
// holds a process stays (rmdir refuses), to be removed on a later pass.
void RemovePodCgroups(const std::string& uid, const std::string& cgroup_root);

}  // namespace hostlet::agent
