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

// What a child wrote to its close-on-exec error pipe (`fd`, the reading end) before it stopped:
// empty when the pipe closed at its exec.
std::string ReadChildFailure(int fd);

}  // namespace hostlet::native
