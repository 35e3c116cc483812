// Linux capabilities by name, and the calls that give a process exactly the sets a spec names
// (with raw capget/capset/prctl: the kernel interface is small and libcap adds nothing here).
#pragma once

#include "plugins/runtime/native/spec.h"

#include <string>

namespace hostlet::native {

// "CAP_NET_ADMIN" -> 12; -1 for a name this kernel interface does not define.
int CapabilityNumber(const std::string& name);

// Drops from the bounding set what `sets` does not name. Needs CAP_SETPCAP: call it before
// changing user. Returns false with errno set.
bool LimitBoundingSet(const CapabilitySets& sets);

// Sets effective, permitted and inheritable, then raises the ambient ones that are both
// permitted and inheritable (the kernel refuses the others). Call after the
// user change (with PR_SET_KEEPCAPS held across it). Returns false with errno set.
bool ApplyCapabilities(const CapabilitySets& sets);

}  // namespace hostlet::native
