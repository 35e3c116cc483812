// The container's file-system view, built inside its new mount namespace: the spec's mounts
// under the root file system, /dev's device nodes, pivot_root, then the masked and read-only
// paths. Each function runs in the cloned child before exec and returns an error message (empty
// on success) instead of throwing, so the child reports it through its error pipe.
#pragma once

#include "plugins/runtime/native/cgroups.h"
#include "plugins/runtime/native/spec.h"

#include <string>

namespace hostlet::native {

// Everything up to and including pivot_root: afterwards "/" is the container's root.
std::string PrepareRoot(const Spec& spec, const ContainerCgroup& cgroup);

// After pivot_root: masked and read-only paths, the root's propagation, a read-only root.
std::string FinishRoot(const Spec& spec);

}  // namespace hostlet::native
