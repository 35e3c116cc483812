#pragma once

#include <string>

namespace hostlet::oci::helper {

// `pin-namespaces DIR HOSTNAME NET(0|1) IPC(0|1)`: unshares a UTS namespace (and a network and
// IPC namespace when asked), sets the host name, brings loopback up, and bind-mounts each new
// namespace onto DIR/utsns, DIR/netns, DIR/ipcns so that it outlives this process.
int PinNamespaces(const std::string& dir, const std::string& hostname, bool net, bool ipc);

}  // namespace hostlet::oci::helper
