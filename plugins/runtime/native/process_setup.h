// The last steps before the container's program runs, shared by a container's first process
// and by exec: limits, OOM score, no_new_privs, the seccomp filter, capabilities, user and
// groups, working directory, then execve with the spec's environment. Runs in the child; on
// success it does not return, on failure it returns the reason.
#pragma once

#include "plugins/runtime/native/seccomp_filter.h"
#include "plugins/runtime/native/spec.h"

#include <string>

namespace hostlet::native {

// `die_with_parent`: the process is killed when the runtime process that made it ends (exec's
// commands), kept across the change of user.
std::string ExecProcess(const ProcessSpec& process, SeccompFilter* seccomp, bool die_with_parent);

}  // namespace hostlet::native
